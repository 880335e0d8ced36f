import { HopbusError } from '../errors/HopbusError.js';
import { recordStateField } from './metadata.js';
import { refuseStandardDecorator } from './refuseStandardDecorator.js';

/**
 * Marks a field of a keyed actor as its state: kept per key, committed with each turn (JSON),
 * restored when the instance is made again, rolled back when a turn throws. Give it its initial
 * value where it is declared: `@State() balance = 0`.
 */
export function State(): (prototype: object, field: string | symbol) => void {
  return (prototype, field) => {
    refuseStandardDecorator('@State()', field);
    if (typeof field !== 'string') throw new HopbusError('config', `@State() needs a field with a string name, not ${String(field)}: the name keys the field in the stored state.`);
    recordStateField(prototype, field);
  };
}
