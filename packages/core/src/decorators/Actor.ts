import { injectable } from 'inversify';
import { recordActor } from './metadata.js';
import { refuseStandardDecorator } from './refuseStandardDecorator.js';

/**
 * Marks a service class as an actor and makes it injectable. Records metadata only: nothing
 * runs until `bus.start()`. The name (the class name by default) is the default consumer group.
 */
export function Actor(name?: string): ClassDecorator {
  // A second argument: called as a standard decorator (a legacy class decorator gets the class alone).
  return (target: Parameters<ClassDecorator>[0], context?: unknown) => {
    refuseStandardDecorator(`@Actor(${name === undefined ? '' : JSON.stringify(name)})`, context);
    injectable()(target as unknown as abstract new (...args: never[]) => unknown);
    recordActor(target, { name: name ?? target.name });
  };
}
