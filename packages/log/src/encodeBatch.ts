import { crc32c } from '@node-rs/crc32';
import type { OutgoingRecord } from '@hopbus/core';
import { HopbusError } from '@hopbus/core';
import { batchFormat, writeInt64, writeUint48 } from './batchFormat.js';
import { setI48, setU16, setU32 } from './littleEndian.js';

const maxTimestamp = 2 ** 46;

function refuse(record: OutgoingRecord, why: string): HopbusError {
  return new HopbusError('publish_failed', `Record ${JSON.stringify(record.id.slice(0, 80))} on topic ${record.topic} cannot be stored: ${why}.`);
}

/** The bytes `record` takes inside a batch; throws `publish_failed` for a record the format cannot hold. */
export function encodedRecordBytes(record: OutgoingRecord): number {
  const idBytes = Buffer.byteLength(record.id);
  if (idBytes > 0xffff) throw refuse(record, 'its id is longer than 65,535 bytes');
  if (!(record.timestamp >= 0 && record.timestamp < maxTimestamp)) throw refuse(record, `its timestamp ${record.timestamp} is not milliseconds since the epoch`);
  let size = batchFormat.recordFixedBytes + idBytes + record.data.byteLength;
  if (record.key !== undefined) size += Buffer.byteLength(record.key);
  let count = 0;
  for (const name in record.headers) {
    const nameBytes = Buffer.byteLength(name);
    if (nameBytes > 0xffff) throw refuse(record, 'a header name is longer than 65,535 bytes');
    size += 6 + nameBytes + Buffer.byteLength(record.headers[name]!);
    count++;
  }
  if (count > 0xffff) throw refuse(record, 'it has more than 65,535 headers');
  return size;
}

/**
 * Encodes `records[from, to)` as one batch starting at `baseOffset` into `buf[start, start +
 * bytes)`, `bytes` being the header plus the sum of encodedRecordBytes: group commits encode
 * many batches into one buffer. Timestamps are truncated to whole milliseconds.
 */
export function encodeBatchInto(buf: Buffer, start: number, records: readonly OutgoingRecord[], from: number, to: number, baseOffset: number, bytes: number): void {
  const first = Math.trunc(records[from]!.timestamp);
  let max = first;
  let at = start + batchFormat.headerBytes;
  for (let i = from; i < to; i++) {
    const record = records[i]!;
    const recordStart = at;
    const timestamp = Math.trunc(record.timestamp);
    if (timestamp > max) max = timestamp;
    at += 4;
    setU32(buf, i - from, at);
    setI48(buf, timestamp - first, at + 4);
    at += 10;
    const idBytes = buf.write(record.id, at + 2);
    setU16(buf, idBytes, at);
    at += 2 + idBytes;
    if (record.key === undefined) {
      setU32(buf, batchFormat.noKey, at);
      at += 4;
    } else {
      const keyBytes = buf.write(record.key, at + 4);
      setU32(buf, keyBytes, at);
      at += 4 + keyBytes;
    }
    const countAt = at;
    at += 2;
    let headerCount = 0;
    for (const name in record.headers) {
      const nameBytes = buf.write(name, at + 2);
      setU16(buf, nameBytes, at);
      at += 2 + nameBytes;
      const valueBytes = buf.write(record.headers[name]!, at + 4);
      setU32(buf, valueBytes, at);
      at += 4 + valueBytes;
      headerCount++;
    }
    setU16(buf, headerCount, countAt);
    const data = record.data;
    setU32(buf, data.byteLength, at);
    at += 4;
    buf.set(data, at);
    at += data.byteLength;
    setU32(buf, at - recordStart - 4, recordStart);
  }
  buf.writeUInt32LE(bytes - 4, start);
  buf.writeUInt8(batchFormat.version, start + 8);
  buf.writeUIntLE(0, start + 9, 3);
  writeUint48(buf, baseOffset, start + 12);
  buf.writeUInt32LE(to - from, start + 20);
  writeInt64(buf, first, start + 24);
  writeInt64(buf, max, start + 32);
  buf.writeUInt32LE(crc32c(buf.subarray(start + 8, start + bytes)), start + 4);
}
