import { injectable } from 'inversify';
import { recordActor } from './metadata.js';

/**
 * Marks a service class as an actor and makes it injectable. Records metadata only: nothing
 * runs until `bus.start()`. The name (the class name by default) is the default consumer group.
 */
export function Actor(name?: string): ClassDecorator {
  return (target) => {
    injectable()(target as unknown as abstract new (...args: never[]) => unknown);
    recordActor(target, { name: name ?? target.name });
  };
}
