import fc from 'fast-check';
import { makeRecord } from '@hopbus/testing';
import type { OutgoingRecord } from '@hopbus/core';

/** Records with any header names and values, any key or none, any timestamp: what a header encoding must carry exactly. */
export const anyRecord: fc.Arbitrary<OutgoingRecord> = fc
  .tuple(
    fc.dictionary(fc.string({ minLength: 1, unit: 'grapheme' }), fc.string({ unit: 'grapheme' })),
    fc.option(fc.string({ unit: 'grapheme' }), { nil: undefined }),
    fc.nat(),
  )
  .map(([headers, key, timestamp]) => makeRecord('t', 1, { headers, key, timestamp }));
