import { HopbusError, maxTopicNameLength, topic, validateTopicName } from '@hopbus/core';
import fc from 'fast-check';

/** The characters a segment may hold; segments are joined by '.'. */
const segmentAlphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';

function refusal(name: unknown): unknown {
  try {
    validateTopicName(name);
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectRefused(name: string): void {
  const error = refusal(name);
  expect(HopbusError.hasCode(error, 'invalid_topic')).toBe(true);
  expect(() => topic(name)).toThrow(HopbusError);
}

const segment = fc.string({ unit: fc.constantFrom(...segmentAlphabet), minLength: 1, maxLength: 12 });
const allowedName = fc.array(segment, { minLength: 1, maxLength: 6 }).map((segments) => segments.join('.'));

/** Any character that is neither in a segment's alphabet nor the dot: ASCII punctuation, controls, white space, any other code point. */
const forbiddenChar = fc
  .oneof(
    fc.constantFrom('#', ':', ' ', '\t', '\n', '\r', '\0', '*', '>', '/', '\\', '$', '+', '@', '%', ',', "'", '"', '\u00a0', '\u2028', '\u200b', '\ufeff', 'é', 'ａ', '\u212a', '🚀'),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  )
  .filter((char) => [...char].some((c) => !segmentAlphabet.includes(c) && c !== '.'));

describe('topic names that mix allowed and forbidden characters', () => {
  it.each([
    'aé',
    'é.a',
    'a.é',
    'a#b',
    'a:b',
    'a b',
    ' a',
    'a ',
    'a\tb',
    'a\nb',
    'a\u00a0b',
    'a\u2028b',
    'a\u200bb',
    'a\ufeff',
    'a*',
    'a.*.b',
    'a>',
    'a.>',
    '.a',
    'a.',
    'a..b',
    '.',
    '..',
    'a/b',
    'a\\b',
    '$a',
    'a$',
    'a\0b',
    'ａ',
    '\u212a',
    'a+b',
    'a@b',
    'a%2Fb',
    'a,b',
    "a'b",
    'a"b',
    'orders🚀',
  ])('refuses %j with invalid_topic', (name) => {
    expectRefused(name);
  });

  it('refuses a name with a forbidden character anywhere', () => {
    fc.assert(
      fc.property(allowedName, forbiddenChar, fc.nat(), (name, char, at) => {
        const position = at % (name.length + 1);
        expectRefused(name.slice(0, position) + char + name.slice(position));
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses a name with an empty segment: a leading, trailing or doubled dot', () => {
    fc.assert(
      fc.property(allowedName, fc.constantFrom('leading', 'trailing', 'doubled'), fc.nat(), (name, where, at) => {
        const dots = [...name].flatMap((c, i) => (c === '.' ? [i] : []));
        const broken =
          where === 'leading' ? `.${name}` : where === 'trailing' ? `${name}.` : dots.length > 0 ? `${name.slice(0, dots[at % dots.length]!)}.${name.slice(dots[at % dots.length]!)}` : `${name}..x`;
        expectRefused(broken);
      }),
    );
  });

  it('accepts every name of allowed segments up to the length limit, as it is', () => {
    fc.assert(
      fc.property(allowedName, (name) => {
        expect(refusal(name)).toBeUndefined();
        const declared = topic(name, { deadLetter: 'dead.letters' });
        expect(declared.name).toBe(name);
        if (name.length + 4 <= maxTopicNameLength) expect(topic(name).deadLetter).toBe(`${name}.dlq`);
      }),
      { numRuns: 2000 },
    );
    expect(refusal('a'.repeat(maxTopicNameLength))).toBeUndefined();
    expectRefused('a'.repeat(maxTopicNameLength + 1));
  });
});
