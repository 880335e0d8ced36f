import { HopbusError } from '../errors/HopbusError.js';
import type { Topic } from './Topic.js';

/**
 * Throws `invalid_topic` when `value`, typed as a Topic, is not one (a caller without
 * TypeScript passing a topic's name, say), naming what `call` was given and what to pass instead.
 */
export function checkIsTopic(value: Topic<unknown>, call: string): void {
  const given: unknown = value;
  if (typeof given === 'object' && given !== null && typeof (given as Topic<unknown>).codec === 'object') return;
  const shown = typeof given === 'string' ? `the string ${JSON.stringify(given.slice(0, 60))}` : given === null ? 'null' : typeof given;
  const name = typeof given === 'string' ? given.slice(0, 60) : 'orders.placed';
  throw new HopbusError(
    'invalid_topic',
    `${call} takes a topic made with topic(), got ${shown}. Declare it once and share it: const t = topic(${JSON.stringify(name)}); then ${call}(t, ...).`,
  );
}
