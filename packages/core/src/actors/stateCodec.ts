import { HopbusError } from '../errors/HopbusError.js';
import { safeJsonParse } from '../topic/safeJsonParse.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The last input a key's turns committed, per stream: `<topic>\0<group>\0<partition>` to the
 * offset. A delivery at or below it was applied already (it comes again after a crash, before
 * the group's position caught up) and is settled without running.
 */
export type CommittedInputs = Record<string, number>;

/** What a transport stores per key: the `@State()` fields (null once deleted) and the inputs applied. */
export interface StoredState {
  readonly fields: Record<string, unknown> | null;
  readonly inputs: CommittedInputs;
}

/** The `@State()` fields of `instance` as JSON text: field name to value. */
export function fieldsJson(actor: string, instance: object, fields: readonly string[]): string {
  const values: Record<string, unknown> = {};
  for (const field of fields) values[field] = (instance as Record<string, unknown>)[field];
  try {
    return JSON.stringify(values);
  } catch (cause) {
    throw new HopbusError('config', `The state of actor ${actor} could not be encoded as JSON: ${(cause as Error).message}. Keep @State() fields to plain data.`, { cause });
  }
}

/** The stored form of a key's state: `fields` is fieldsJson()'s text, or null when the turn deleted the state. */
export function encodeStored(actor: string, fields: string | null, inputs: CommittedInputs, maxBytes: number): Uint8Array {
  const bytes = encoder.encode(`{"fields":${fields ?? 'null'},"inputs":${JSON.stringify(inputs)}}`);
  if (bytes.byteLength > maxBytes) {
    throw new HopbusError(
      'state_too_large',
      `The state of actor ${actor} is ${bytes.byteLength} bytes, over the limit of ${maxBytes}: keep less per key, or raise maxMessageBytes in createBus().`,
    );
  }
  return bytes;
}

/** A stored state read back; `__proto__`-like keys are dropped. */
export function decodeStored(actor: string, bytes: Uint8Array): StoredState {
  const value = parseObject(actor, decoder.decode(bytes));
  const fields = value['fields'];
  const inputs = value['inputs'];
  if ((fields !== null && !isObject(fields)) || !isObject(inputs)) {
    throw new HopbusError('decode', `The stored state of actor ${actor} is not what hopbus stores: { fields, inputs }.`);
  }
  return { fields: fields as Record<string, unknown> | null, inputs: inputs as CommittedInputs };
}

/** fieldsJson()'s text read back. */
export function parseFields(actor: string, text: string): Record<string, unknown> {
  return parseObject(actor, text);
}

function parseObject(actor: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = safeJsonParse(text);
  } catch (cause) {
    throw new HopbusError('decode', `The stored state of actor ${actor} is not valid JSON: ${(cause as Error).message}.`, { cause });
  }
  if (!isObject(value)) throw new HopbusError('decode', `The stored state of actor ${actor} is not a JSON object.`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
