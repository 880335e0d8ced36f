import fc from 'fast-check';
import { makeRecord } from '@hopbus/testing';
import { MsgHdrsImpl } from '@nats-io/transport-node';
import { EncodedRecordHeaders } from '../src/EncodedRecordHeaders.js';
import { toNatsHeaders } from '../src/recordHeaders.js';
import { anyRecord } from './support/anyRecord.js';

const encodedByClient = (record: Parameters<typeof toNatsHeaders>[0]): Buffer => Buffer.from((toNatsHeaders(record) as unknown as MsgHdrsImpl).encode());

describe('a record\'s headers encoded straight from the record', () => {
  it('are the bytes the client would encode from the header map, for any names, values and key', () => {
    fc.assert(
      fc.property(anyRecord, (record) => {
        expect(Buffer.from(new EncodedRecordHeaders(record).encode())).toEqual(encodedByClient(record));
      }),
      { numRuns: 2000 },
    );
  });

  it('answer reads and changes through the full header map, and encode what was changed', () => {
    const record = makeRecord('t', 1, { headers: { 'x-a': '1' }, key: 'k' });
    const headers = new EncodedRecordHeaders(record);
    expect(headers.get('Hopbus-Key')).toBe('k');
    expect(headers.has('x-a')).toBe(true);
    headers.set('Nats-Expected-Stream', 's');
    const decoded = MsgHdrsImpl.decode(headers.encode());
    expect(decoded.get('Nats-Expected-Stream')).toBe('s');
    expect(decoded.get('Nats-Msg-Id')).toBe(record.id);
    expect([...headers].map(([name]) => name)).toContain('Nats-Expected-Stream');
  });
});
