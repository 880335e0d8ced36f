import { HopbusError } from '@hopbus/core';
import type { OutgoingRecord } from '@hopbus/core';
import { encodedRecordBytes } from '../src/encodeBatch.js';
import { PendingWrite } from '../src/PendingWrite.js';

const record = (n: number, timestamp = 1_700_000_000_000): OutgoingRecord => ({ id: `id-${n}`, topic: 'pending.t', headers: {}, data: Buffer.from(`{"n":${n}}`), timestamp });

describe('the appends waiting for a group commit', () => {
  it('keep every record in order with its encoded size, and their sum', () => {
    const pending = new PendingWrite();
    pending.add([record(1), record(2)]);
    pending.add([record(3)]);
    expect(pending.records.map((r) => r.id)).toEqual(['id-1', 'id-2', 'id-3']);
    expect(pending.sizes).toEqual([record(1), record(2), record(3)].map(encodedRecordBytes));
    expect(pending.bytes).toBe(pending.sizes.reduce((a, b) => a + b, 0));
  });

  it('take an append whole or not at all: a record the format cannot hold leaves what was there as it was', () => {
    const pending = new PendingWrite();
    pending.add([record(1)]);
    const before = { ids: pending.records.map((r) => r.id), sizes: [...pending.sizes], bytes: pending.bytes };
    let refused: unknown;
    try {
      pending.add([record(2), record(3), record(4, -1)]); // the last one's timestamp cannot be stored
    } catch (error) {
      refused = error;
    }
    expect(HopbusError.is(refused) && refused.code).toBe('publish_failed');
    expect({ ids: pending.records.map((r) => r.id), sizes: [...pending.sizes], bytes: pending.bytes }).toEqual(before);
    pending.add([record(5)]);
    expect(pending.records.map((r) => r.id)).toEqual(['id-1', 'id-5']);
    expect(pending.bytes).toBe(encodedRecordBytes(record(1)) + encodedRecordBytes(record(5)));
  });

  it('settle every append with one shared promise', async () => {
    const pending = new PendingWrite();
    pending.resolve();
    await expect(pending.done).resolves.toBeUndefined();
    const failed = new PendingWrite();
    const error = new Error('disk');
    failed.reject(error);
    await expect(failed.done).rejects.toBe(error);
  });
});
