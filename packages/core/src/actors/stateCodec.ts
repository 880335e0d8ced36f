import { HopbusError } from '../errors/HopbusError.js';
import { safeJsonParse } from '../topic/safeJsonParse.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The `@State()` fields of `instance` as stored: one JSON object, field name to value. */
export function encodeState(actor: string, instance: object, fields: readonly string[], maxBytes: number): Uint8Array {
  const values: Record<string, unknown> = {};
  for (const field of fields) values[field] = (instance as Record<string, unknown>)[field];
  let text: string;
  try {
    text = JSON.stringify(values);
  } catch (cause) {
    throw new HopbusError('config', `The state of actor ${actor} could not be encoded as JSON: ${(cause as Error).message}. Keep @State() fields to plain data.`, { cause });
  }
  const bytes = encoder.encode(text);
  if (bytes.byteLength > maxBytes) {
    throw new HopbusError(
      'state_too_large',
      `The state of actor ${actor} is ${bytes.byteLength} bytes, over the limit of ${maxBytes}: keep less per key, or raise maxMessageBytes in createBus().`,
    );
  }
  return bytes;
}

/** The stored state as an object (field name to value); `__proto__`-like keys are dropped. */
export function decodeState(actor: string, bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = safeJsonParse(decoder.decode(bytes));
  } catch (cause) {
    throw new HopbusError('decode', `The stored state of actor ${actor} is not valid JSON: ${(cause as Error).message}.`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HopbusError('decode', `The stored state of actor ${actor} is not a JSON object of its @State() fields.`);
  }
  return value as Record<string, unknown>;
}

/**
 * Sets each `@State()` field of `instance` to its stored value. A field the state lacks (one
 * added since it was stored, or one that was `undefined`) keeps its initial value on `'keep'`
 * (a new instance) and becomes `undefined` on `'clear'` (a rollback).
 */
export function restoreState(instance: object, fields: readonly string[], state: Record<string, unknown>, missing: 'keep' | 'clear'): void {
  const target = instance as Record<string, unknown>;
  for (const field of fields) {
    if (Object.hasOwn(state, field)) target[field] = state[field];
    else if (missing === 'clear') target[field] = undefined;
  }
}
