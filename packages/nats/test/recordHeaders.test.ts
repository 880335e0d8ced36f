import fc from 'fast-check';
import { makeRecord } from '@hopbus/testing';
import { MsgHdrsImpl } from '@nats-io/transport-node';
import { fromNatsHeaders, toNatsHeaders } from '../src/recordHeaders.js';

/** Encodes as NATS would put the headers on the wire and decodes them back. */
function overTheWire(headers: Record<string, string>, key?: string): ReturnType<typeof fromNatsHeaders> {
  const record = makeRecord('t', 1, { headers, key, timestamp: 1_700_000_000_123 });
  const wire = toNatsHeaders(record) as unknown as MsgHdrsImpl;
  return fromNatsHeaders(MsgHdrsImpl.decode(wire.encode()));
}

describe('record headers as NATS headers', () => {
  it('round-trip the awkward values exactly', () => {
    const headers = {
      'x-unicode': 'héllo 世界 🚀',
      'x-empty': '',
      'x-spaces': '  a  b  ',
      'x-crlf': 'a\r\nb: c',
      'x-marker': '~b64:looks encoded',
      'x-nbsp': '\u00a0x\u3000',
      'Nats-Msg-Id': 'not ours',
      'hopbus-key': 'a record header, not the key',
      'ünïcode name: with colon': 'v',
    };
    const withProto = JSON.parse(`${JSON.stringify(headers).slice(0, -1)},"__proto__":"still a header"}`) as Record<string, string>;
    const back = overTheWire(withProto, ' key with spaces ');
    expect(Object.keys(back.headers)).toContain('__proto__');
    expect(back.headers).toEqual(withProto);
    expect(back.key).toBe(' key with spaces ');
    expect(back.timestamp).toBe(1_700_000_000_123);
  });

  it('round-trip any well-formed unicode names and values', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, unit: 'grapheme' }), fc.string({ unit: 'grapheme' })), fc.option(fc.string({ unit: 'grapheme' }), { nil: undefined }), (headers, key) => {
        const back = overTheWire(headers, key);
        expect(back.headers).toEqual(headers);
        expect(back.key).toBe(key);
      }),
      { numRuns: 300 },
    );
  });
});
