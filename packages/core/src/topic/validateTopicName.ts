import { HopbusError } from '../errors/HopbusError.js';

export const maxTopicNameLength = 249;

const segmentPattern = /^[A-Za-z0-9_-]+$/;

function invalid(name: string, rule: string): HopbusError {
  const shown = JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name);
  return new HopbusError(
    'invalid_topic',
    `Topic name ${shown} is not valid: ${rule}. Use dot-separated segments of letters, digits, '-' and '_' (for example 'orders.placed').`,
  );
}

/**
 * Throws `invalid_topic` naming the rule a topic name breaks. The rules keep a name safe as a
 * folder name on disk and as a NATS subject: letters, digits, `-`, `_` in dot-separated segments.
 */
export function validateTopicName(name: unknown): asserts name is string {
  if (typeof name !== 'string') throw invalid(String(name), 'it must be a string');
  if (name.length === 0) throw invalid(name, 'it is empty');
  if (name.length > maxTopicNameLength) throw invalid(name, `it is longer than ${maxTopicNameLength} characters`);
  if (name.startsWith('$')) throw invalid(name, "it starts with '$', which is reserved for the system");
  if (name.includes('\0')) throw invalid(name, 'it contains a NUL character');
  if (/\s/.test(name)) throw invalid(name, 'it contains whitespace');
  if (name.includes('/') || name.includes('\\')) throw invalid(name, "it contains '/' or '\\'");
  if (name.includes('*') || name.includes('>')) throw invalid(name, "it contains the wildcard '*' or '>'");
  if (name.includes('..')) throw invalid(name, "it contains '..'");
  const segments = name.split('.');
  for (const segment of segments) {
    if (segment.length === 0) throw invalid(name, 'it has an empty segment (a leading, trailing or doubled dot)');
    if (!segmentPattern.test(segment)) {
      throw invalid(name, `segment ${JSON.stringify(segment)} has a character other than letters, digits, '-' and '_'`);
    }
  }
}
