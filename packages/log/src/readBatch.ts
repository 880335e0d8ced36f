import { crc32c } from '@node-rs/crc32';
import { batchFormat, readInt64AsNumber, readUint64AsNumber } from './batchFormat.js';
import { i48, u16, u32 } from './littleEndian.js';
import { StoredRecord } from './StoredRecord.js';

/** What is known of a batch from its header once its bytes were checked. */
export interface BatchHeader {
  /** Total bytes of the batch, header included. */
  readonly bytes: number;
  readonly baseOffset: number;
  readonly count: number;
  readonly firstTimestamp: number;
  readonly maxTimestamp: number;
}

/**
 * The outcome of checking the bytes at a position: a whole valid batch, too few bytes to tell
 * (`incomplete`: `need` is the total the batch claims, or the header size), or bytes that are
 * not a batch (`corrupt`, with the reason).
 */
export type BatchCheck =
  | { readonly kind: 'ok'; readonly header: BatchHeader }
  | { readonly kind: 'incomplete'; readonly need: number }
  | { readonly kind: 'corrupt'; readonly reason: string };

/** Largest batch the reader accepts: a sanity bound so a flipped length cannot ask for gigabytes. */
export const maxBatchBytes = 256 * 1024 * 1024;

/**
 * Checks the batch starting at `at` in `buf[at, end)`: length, version, CRC32C and the record
 * framing. Never throws and never reads outside `[at, end)`.
 */
export function checkBatch(buf: Buffer, at: number, end: number, verifyCrc = true): BatchCheck {
  const available = end - at;
  if (available < batchFormat.headerBytes) {
    if (available >= 4) {
      const claimed = buf.readUInt32LE(at) + 4;
      if (claimed < batchFormat.headerBytes || claimed > maxBatchBytes) return { kind: 'corrupt', reason: `batch length ${claimed} is impossible` };
    }
    return { kind: 'incomplete', need: batchFormat.headerBytes };
  }
  const bytes = buf.readUInt32LE(at) + 4;
  if (bytes < batchFormat.headerBytes + batchFormat.recordFixedBytes || bytes > maxBatchBytes) {
    return { kind: 'corrupt', reason: `batch length ${bytes} is impossible` };
  }
  if (bytes > available) return { kind: 'incomplete', need: bytes };
  if (verifyCrc) {
    const expected = buf.readUInt32LE(at + 4);
    const actual = crc32c(buf.subarray(at + 8, at + bytes));
    if (expected !== actual) return { kind: 'corrupt', reason: `CRC32C mismatch (stored ${hex(expected)}, computed ${hex(actual)})` };
  }
  const version = buf.readUInt8(at + 8);
  if (version !== batchFormat.version) return { kind: 'corrupt', reason: `unknown batch format version ${version}` };
  const baseOffset = readUint64AsNumber(buf, at + 12);
  if (!(baseOffset >= 0 && baseOffset <= batchFormat.maxOffset)) return { kind: 'corrupt', reason: 'base offset out of range' };
  const count = buf.readUInt32LE(at + 20);
  if (count === 0) return { kind: 'corrupt', reason: 'batch holds no record' };
  const framing = checkRecords(buf, at + batchFormat.headerBytes, at + bytes, count);
  if (framing) return { kind: 'corrupt', reason: framing };
  return {
    kind: 'ok',
    header: {
      bytes,
      baseOffset,
      count,
      firstTimestamp: readInt64AsNumber(buf, at + 24),
      maxTimestamp: readInt64AsNumber(buf, at + 32),
    },
  };
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** Walks the record framing; returns a reason when a length points outside its record. */
function checkRecords(buf: Buffer, at: number, end: number, count: number): string | undefined {
  for (let i = 0; i < count; i++) {
    if (end - at < batchFormat.recordFixedBytes) return `record ${i} overruns the batch`;
    const recordEnd = at + 4 + u32(buf, at);
    if (recordEnd > end || recordEnd - at < batchFormat.recordFixedBytes) return `record ${i} has an impossible length`;
    if (u32(buf, at + 4) !== i) return `record ${i} has offset delta ${u32(buf, at + 4)}`;
    let p = at + 14;
    p += 2 + u16(buf, p);
    if (p + 4 > recordEnd) return `record ${i}: id overruns`;
    const keyLength = u32(buf, p);
    p += 4 + (keyLength === batchFormat.noKey ? 0 : keyLength);
    if (p + 2 > recordEnd) return `record ${i}: key overruns`;
    const headers = u16(buf, p);
    p += 2;
    for (let h = 0; h < headers; h++) {
      if (p + 2 > recordEnd) return `record ${i}: header overruns`;
      p += 2 + u16(buf, p);
      if (p + 4 > recordEnd) return `record ${i}: header overruns`;
      p += 4 + u32(buf, p);
    }
    if (p + 4 > recordEnd) return `record ${i}: data overruns`;
    p += 4 + u32(buf, p);
    if (p !== recordEnd) return `record ${i}: fields do not fill the record`;
    at = recordEnd;
  }
  return at === end ? undefined : 'bytes left after the last record';
}

/**
 * Pushes the records of a batch that `checkBatch` accepted, those at or after `fromOffset`, to
 * `out`. Only offsets and timestamps are read here: the other fields are decoded when a
 * consumer reads them (see StoredRecord); record data is a view into `buf` (no copy).
 */
export function decodeBatch(buf: Buffer, at: number, header: BatchHeader, topic: string, partition: number, fromOffset: number, out: StoredRecord[]): void {
  let p = at + batchFormat.headerBytes;
  const end = at + header.bytes;
  const { baseOffset, firstTimestamp } = header;
  while (p < end) {
    const offset = baseOffset + u32(buf, p + 4);
    if (offset >= fromOffset) out.push(new StoredRecord(buf, p + 14, topic, partition, offset, firstTimestamp + i48(buf, p + 8)));
    p += 4 + u32(buf, p);
  }
}
