import type { OutgoingRecord } from '@hopbus/core';
import { batchFormat } from '../../src/batchFormat.js';
import { encodeBatchInto, encodedRecordBytes } from '../../src/encodeBatch.js';

/** A valid batch of `count` records from `baseOffset`, each with `dataBytes` of payload, as the log writes it. */
export function batchBytes(baseOffset: number, count: number, dataBytes: number, timestamp: number): Buffer {
  const records: OutgoingRecord[] = Array.from({ length: count }, (_, i) => ({
    id: `r${baseOffset + i}`,
    topic: 'batch.t',
    headers: {},
    data: Buffer.alloc(dataBytes, 0x61 + ((baseOffset + i) % 26)),
    timestamp: timestamp + i,
  }));
  const bytes = batchFormat.headerBytes + records.reduce((sum, r) => sum + encodedRecordBytes(r), 0);
  const buf = Buffer.alloc(bytes);
  encodeBatchInto(buf, 0, records, 0, count, baseOffset, bytes);
  return buf;
}
