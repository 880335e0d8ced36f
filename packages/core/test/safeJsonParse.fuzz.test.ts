import { jsonCodec, safeJsonParse } from '@hopbus/core';
import fc from 'fast-check';

const dangerousKeys = ['__proto__', 'constructor', 'prototype'] as const;
const codec = jsonCodec<unknown>();

/** How one character of a key is written in the JSON text. */
type Spelling = 'plain' | 'lower' | 'upper';

function escape(char: string, spelling: Spelling): string {
  if (spelling === 'plain') return char;
  const hex = char.charCodeAt(0).toString(16).padStart(4, '0');
  return `\\u${spelling === 'upper' ? hex.toUpperCase() : hex}`;
}

/** A dangerous key as a JSON string, each character written as itself or as a `\u` escape. */
const dangerousKeyText: fc.Arbitrary<string> = fc
  .constantFrom(...dangerousKeys)
  .chain((name) =>
    fc
      .array(fc.constantFrom<Spelling>('plain', 'lower', 'upper'), { minLength: name.length, maxLength: name.length })
      .map((spellings) => `"${[...name].map((char, i) => escape(char, spellings[i]!)).join('')}"`),
  );

/** An ordinary key, sometimes one that a merge would write onto a prototype or `Object` once it got there. */
const ordinaryKeyText: fc.Arbitrary<string> = fc.oneof(fc.constantFrom('"polluted"', '"assign"', '"keys"'), fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)));

const space = fc.constantFrom('', ' ', '\n', '\t ');

const leafText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('null', 'true', 'false', '"yes"', '1'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s)),
);

/** JSON texts whose objects hold dangerous keys (when `keys` can make them) at any depth. */
function jsonText(keys: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const { value } = fc.letrec<{ value: string; object: string; array: string }>((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafText, tie('object'), tie('array')),
    object: fc
      .array(fc.tuple(keys, space, tie('value')), { maxLength: 4 })
      .map((entries) => `{${entries.map(([key, gap, item]) => `${key}${gap}:${gap}${item}`).join(',')}}`),
    array: fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
  }));
  return value;
}

const withDangerousKeys = jsonText(fc.oneof(dangerousKeyText, ordinaryKeyText));
const withoutDangerousKeys = jsonText(ordinaryKeyText.filter((key) => !(dangerousKeys as readonly string[]).includes(JSON.parse(key) as string)));

/** Every object and array in `value`, itself included. */
function containers(value: unknown): object[] {
  const found: object[] = [];
  const pending = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== 'object' || next === null) continue;
    found.push(next);
    for (const key of Object.keys(next)) pending.push((next as Record<string, unknown>)[key]);
  }
  return found;
}

function isMergeable(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

/**
 * The merge a careless application writes: follows every key of the source into what the target
 * has under it, inherited or not (so `__proto__` leads to Object.prototype and `constructor` to
 * Object).
 */
function naiveDeepMerge(target: Record<string, unknown>, source: unknown): void {
  if (!isMergeable(source)) return;
  for (const key in source) {
    const value = source[key];
    if (isMergeable(value)) {
      if (!isMergeable(target[key])) target[key] = {};
      naiveDeepMerge(target[key] as Record<string, unknown>, value);
    } else {
      target[key] = value;
    }
  }
}

/** The own properties of the objects a polluting merge reaches, to compare before and after. */
function globalsSnapshot(): string[] {
  return [Object.prototype, Object, Function.prototype, Array.prototype].map((o) => Object.getOwnPropertyNames(o).sort().join(','));
}

/** Puts back what a polluting merge added, so one failure does not break every later test. */
function restoreGlobals(before: readonly string[]): void {
  [Object.prototype, Object, Function.prototype, Array.prototype].forEach((o, i) => {
    const known = new Set(before[i]!.split(','));
    for (const name of Object.getOwnPropertyNames(o)) if (!known.has(name)) delete (o as Record<string, unknown>)[name];
  });
}

describe('safeJsonParse against prototype pollution', () => {
  const pristine = globalsSnapshot();
  afterEach(() => restoreGlobals(pristine));

  it('the naive merge of these tests does pollute Object.prototype with what plain JSON.parse gives', () => {
    naiveDeepMerge({}, JSON.parse('{"\\u005f_proto__":{"polluted":"yes"}}'));
    expect(({} as Record<string, unknown>)['polluted']).toBe('yes');
    restoreGlobals(pristine);
    naiveDeepMerge({}, JSON.parse('{"constr\\u0075ctor":{"prototype":{"polluted":"yes"}}}'));
    expect(({} as Record<string, unknown>)['polluted']).toBe('yes');
  });

  it('drops escaped dangerous keys at any depth', () => {
    const parsed = safeJsonParse('{"a":[{"\\u005f_proto__":{"polluted":1},"b":{"constr\\u0075ctor":{"pr\\u006Ftotype":{}},"c":2}}],"pr\\u006ftotype":3}');
    expect(parsed).toEqual({ a: [{ b: { c: 2 } }] });
    expect(containers(parsed).some((o) => dangerousKeys.some((key) => Object.hasOwn(o, key)))).toBe(false);
  });

  it('never gives a value with a dangerous own key, nor one that pollutes a prototype when merged', () => {
    fc.assert(
      fc.property(withDangerousKeys, (text) => {
        const parsed = codec.decode(Buffer.from(text, 'utf8'));
        for (const container of containers(parsed)) {
          for (const key of dangerousKeys) expect(Object.hasOwn(container, key)).toBe(false);
        }
        try {
          naiveDeepMerge({}, parsed);
          expect(globalsSnapshot()).toEqual(pristine);
        } finally {
          restoreGlobals(pristine);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps every other key and value, escaped or not, as JSON.parse reads them', () => {
    fc.assert(
      fc.property(withoutDangerousKeys, (text) => {
        expect(safeJsonParse(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 1000 },
    );
  });
});
