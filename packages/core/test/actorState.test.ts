import { HopbusError } from '@hopbus/core';
import { decodeStored, encodeStored, fieldsJson, parseFields, restoreState } from '../src/actors/stateCodec.js';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const bytes = (value: string): Uint8Array => new TextEncoder().encode(value);

describe("a keyed actor's stored state", () => {
  it('holds the @State() fields and the inputs applied, and reads back to them', () => {
    const fields = fieldsJson('accounts', { balance: 5, seq: 1, other: 'not state' }, ['balance', 'seq']);
    expect(fields).toBe('{"balance":5,"seq":1}');
    const stored = encodeStored('accounts', fields, { 't\u00000\u0000g': 7 }, 1000);
    expect(text(stored)).toBe('{"fields":{"balance":5,"seq":1},"inputs":{"t\\u00000\\u0000g":7}}');
    expect(decodeStored('accounts', stored)).toEqual({ fields: { balance: 5, seq: 1 }, inputs: { 't\u00000\u0000g': 7 } });
    expect(decodeStored('accounts', encodeStored('accounts', null, {}, 1000))).toEqual({ fields: null, inputs: {} });
  });

  it('takes a state of exactly the limit and refuses one byte more, with code state_too_large', () => {
    const size = encodeStored('a', '{"x":1}', {}, Infinity).byteLength;
    expect(encodeStored('a', '{"x":1}', {}, size).byteLength).toBe(size);
    let error: unknown;
    try {
      encodeStored('a', '{"x":1}', {}, size - 1);
    } catch (e) {
      error = e;
    }
    expect(HopbusError.hasCode(error, 'state_too_large')).toBe(true);
    expect((error as Error).message).toBe(`The state of actor a is ${size} bytes, over the limit of ${size - 1}: keep less per key, or raise maxMessageBytes in createBus().`);
  });

  it('says a field that is not plain data cannot be encoded', () => {
    expect(() => fieldsJson('ledger', { total: 10n }, ['total'])).toThrow(/^The state of actor ledger could not be encoded as JSON: .*BigInt.*\. Keep @State\(\) fields to plain data\.$/);
  });

  it.each([
    ['not JSON', '{fields', /^The stored state of actor a is not valid JSON: /],
    ['an array', '[1]', /^The stored state of actor a is not a JSON object\.$/],
    ['null', 'null', /^The stored state of actor a is not a JSON object\.$/],
    ['fields that are not an object', '{"fields":[1],"inputs":{}}', /is not what hopbus stores: \{ fields, inputs \}/],
    ['no inputs', '{"fields":{}}', /is not what hopbus stores: \{ fields, inputs \}/],
    ['inputs that are null', '{"fields":null,"inputs":null}', /is not what hopbus stores/],
  ])('refuses a stored state that is %s, with code decode', (_, stored, message) => {
    let error: unknown;
    try {
      decodeStored('a', bytes(stored));
    } catch (e) {
      error = e;
    }
    expect(HopbusError.hasCode(error, 'decode')).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('drops __proto__ keys from what it reads back', () => {
    const state = parseFields('a', '{"__proto__":{"polluted":true},"n":1}');
    expect(Object.hasOwn(state, '__proto__')).toBe(false);
    expect(state).toEqual({ n: 1 });
  });

  it("restores the fields it has; one it lacks keeps its value on 'keep' and becomes undefined on 'clear'", () => {
    const fresh = { balance: 0, added: 'initial', other: 1 };
    restoreState(fresh, ['balance', 'added'], { balance: 9, other: 5 }, 'keep');
    expect(fresh).toEqual({ balance: 9, added: 'initial', other: 1 });
    const rolledBack: Record<string, unknown> = { balance: 20, added: 'changed in the turn' };
    restoreState(rolledBack, ['balance', 'added'], { balance: 9 }, 'clear');
    expect(rolledBack).toEqual({ balance: 9, added: undefined });
    expect(Object.hasOwn(rolledBack, 'added')).toBe(true);
  });
});
