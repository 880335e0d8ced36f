import { injectable } from 'inversify';
import { HopbusError } from '../errors/HopbusError.js';
import { recordActor } from './metadata.js';
import type { ActorOptions } from './metadata.js';
import { refuseStandardDecorator } from './refuseStandardDecorator.js';

/**
 * Marks a service class as an actor and makes it injectable. Records metadata only: nothing
 * runs until `bus.start()`. The name (the class name by default) is the default consumer group.
 * `{ keyed: true }` makes one instance per key, with `@State()` fields kept between turns (see docs/actors.md).
 */
export function Actor(name?: string, options: ActorOptions = {}): ClassDecorator {
  const label = `@Actor(${name === undefined ? '' : JSON.stringify(name)})`;
  checkActorOptions(label, options);
  // A second argument: called as a standard decorator (a legacy class decorator gets the class alone).
  return (target: Parameters<ClassDecorator>[0], context?: unknown) => {
    refuseStandardDecorator(label, context);
    injectable()(target as unknown as abstract new (...args: never[]) => unknown);
    recordActor(target, {
      name: name ?? target.name,
      keyed: options.keyed === true,
      idleMs: options.idleMs ?? 60_000,
      maxActive: options.maxActive ?? 10_000,
    });
  };
}

function checkActorOptions(label: string, options: ActorOptions): void {
  const { idleMs, maxActive } = options;
  if (idleMs !== undefined && !(idleMs > 0)) throw new HopbusError('config', `${label}: idleMs must be above 0 (ms an idle instance stays in memory), not ${String(idleMs)}.`);
  if (maxActive !== undefined && !(Number.isInteger(maxActive) && maxActive >= 1)) {
    throw new HopbusError('config', `${label}: maxActive must be a whole number ≥ 1 (instances kept in memory at most), not ${String(maxActive)}.`);
  }
}
