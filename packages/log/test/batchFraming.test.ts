import { crc32c } from '@node-rs/crc32';
import { HopbusError } from '@hopbus/core';
import type { OutgoingRecord } from '@hopbus/core';
import { batchFormat } from '../src/batchFormat.js';
import { encodeBatchInto, encodedRecordBytes } from '../src/encodeBatch.js';
import { checkBatch, decodeBatch, maxBatchBytes } from '../src/readBatch.js';
import type { BatchCheck } from '../src/readBatch.js';
import type { StoredRecord } from '../src/StoredRecord.js';

// Each case below names the one check of the batch format it exercises: a reader that lets one
// wrong field through hands a consumer garbage, or stops a partition at a good batch.

const topic = 'framing.t';
const t0 = 1_700_000_000_000;

function rec(id: string, fields: Partial<OutgoingRecord> = {}): OutgoingRecord {
  return { id, topic, headers: {}, data: Buffer.from(`data of ${id}`), timestamp: t0, ...fields };
}

const sample: readonly OutgoingRecord[] = [
  rec('é-0', { key: 'ключ', headers: { 'x-ü': 'värde', b: '' }, timestamp: t0 + 5 }),
  rec('id-1', { timestamp: t0 + 2 }), // earlier than the first: a negative delta
  rec('id-2', { key: '', headers: { only: 'one' }, data: new Uint8Array(0), timestamp: t0 + 9.75 }),
];

function encode(records: readonly OutgoingRecord[], baseOffset: number): Buffer {
  const bytes = batchFormat.headerBytes + records.reduce((sum, r) => sum + encodedRecordBytes(r), 0);
  const buf = Buffer.alloc(bytes);
  encodeBatchInto(buf, 0, records, 0, records.length, baseOffset, bytes);
  return buf;
}

/** A copy of `valid` changed by `change`, its CRC recomputed: only the framing checks stand in the way. */
function forged(valid: Buffer, change: (buf: Buffer) => void): Buffer {
  const buf = Buffer.from(valid);
  change(buf);
  buf.writeUInt32LE(crc32c(buf.subarray(8, buf.readUInt32LE(0) + 4)), 4);
  return buf;
}

function reasonOf(check: BatchCheck): string {
  return check.kind === 'corrupt' ? check.reason : `not corrupt: ${check.kind}`;
}

/** Where the fields of the first record start. */
const first = {
  length: batchFormat.headerBytes,
  delta: batchFormat.headerBytes + 4,
  idLength: batchFormat.headerBytes + 14,
};

describe('the batch format', () => {
  // Encoded in each test, not once when the file loads: mutation testing credits only the code
  // that runs inside a test to it.
  let valid: Buffer;
  beforeEach(() => (valid = encode(sample, 7)));

  it('keeps the largest timestamp in the header wherever it is in the batch, and reads back each one', () => {
    const records = [rec('a', { timestamp: t0 + 5 }), rec('b', { timestamp: t0 + 9 }), rec('c', { timestamp: t0 + 2 })];
    const batch = encode(records, 0);
    const check = checkBatch(batch, 0, batch.byteLength);
    expect(check.kind === 'ok' && check.header).toMatchObject({ firstTimestamp: t0 + 5, maxTimestamp: t0 + 9 });
    const out: StoredRecord[] = [];
    if (check.kind === 'ok') decodeBatch(batch, 0, check.header, topic, 0, 0, out);
    expect(out.map((r) => r.timestamp)).toEqual([t0 + 5, t0 + 9, t0 + 2]);
  });

  it('writes the header timestamps as 64-bit numbers', () => {
    for (const timestamp of [0, 1, t0]) {
      const batch = encode([rec('a', { timestamp })], 0);
      expect(batch.readBigInt64LE(24)).toBe(BigInt(timestamp));
      expect(batch.readBigInt64LE(32)).toBe(BigInt(timestamp));
      const check = checkBatch(batch, 0, batch.byteLength);
      expect(check.kind === 'ok' && check.header.firstTimestamp).toBe(timestamp);
    }
  });

  it('reads back the header it wrote: size, base offset, count, first and largest timestamp', () => {
    const check = checkBatch(valid, 0, valid.byteLength);
    expect(check).toEqual({ kind: 'ok', header: { bytes: valid.byteLength, baseOffset: 7, count: 3, firstTimestamp: t0 + 5, maxTimestamp: t0 + 9 } });
    expect(valid.readUInt8(8)).toBe(batchFormat.version);
    expect(valid.subarray(9, 12)).toEqual(Buffer.alloc(3));
  });

  it('decodes every field, multi-byte text included, and timestamps before the first', () => {
    const check = checkBatch(valid, 0, valid.byteLength);
    if (check.kind !== 'ok') throw new Error(reasonOf(check));
    const out: StoredRecord[] = [];
    decodeBatch(valid, 0, check.header, topic, 3, 0, out);
    expect(out.map((r) => r.toJSON())).toEqual([
      { id: 'é-0', topic, key: 'ключ', headers: { 'x-ü': 'värde', b: '' }, data: Buffer.from('data of é-0'), timestamp: t0 + 5, partition: 3, offset: 7 },
      { id: 'id-1', topic, key: undefined, headers: {}, data: Buffer.from('data of id-1'), timestamp: t0 + 2, partition: 3, offset: 8 },
      { id: 'id-2', topic, key: '', headers: { only: 'one' }, data: Buffer.alloc(0), timestamp: t0 + 9, partition: 3, offset: 9 },
    ]);
  });

  it('decodes only the records at or after the offset asked for', () => {
    const check = checkBatch(valid, 0, valid.byteLength);
    if (check.kind !== 'ok') throw new Error(reasonOf(check));
    for (const [from, ids] of [[8, ['id-1', 'id-2']], [9, ['id-2']], [10, []]] as const) {
      const out: StoredRecord[] = [];
      decodeBatch(valid, 0, check.header, topic, 0, from, out);
      expect(out.map((r) => r.id)).toEqual(ids);
    }
  });

  it('encodes a batch at any position of a shared buffer, from any slice of the records', () => {
    const one = encode(sample.slice(1, 3), 100);
    const buf = Buffer.alloc(5 + one.byteLength + 3, 0xaa);
    encodeBatchInto(buf, 5, sample, 1, 3, 100, one.byteLength);
    expect(buf.subarray(5, 5 + one.byteLength)).toEqual(one);
    expect(buf.subarray(0, 5)).toEqual(Buffer.alloc(5, 0xaa));
    const check = checkBatch(buf, 5, 5 + one.byteLength);
    expect(check.kind === 'ok' && check.header).toEqual({ bytes: one.byteLength, baseOffset: 100, count: 2, firstTimestamp: t0 + 2, maxTimestamp: t0 + 9 });
    const out: StoredRecord[] = [];
    if (check.kind === 'ok') decodeBatch(buf, 5, check.header, topic, 0, 0, out);
    expect(out.map((r) => [r.offset, r.id])).toEqual([[100, 'id-1'], [101, 'id-2']]);
  });

  it('holds the largest base offset and refuses one past it', () => {
    const last = encode([rec('x')], batchFormat.maxOffset);
    expect(checkBatch(last, 0, last.byteLength)).toMatchObject({ kind: 'ok', header: { baseOffset: batchFormat.maxOffset } });
    const past = forged(last, (b) => b.writeUInt16LE(1, 18));
    expect(reasonOf(checkBatch(past, 0, past.byteLength))).toBe('base offset out of range');
  });
});

describe('checkBatch', () => {
  const valid = encode(sample, 0);

  it('asks for a whole header when fewer bytes than a header are there, unless the length is already impossible', () => {
    expect(checkBatch(valid, 0, 0)).toEqual({ kind: 'incomplete', need: batchFormat.headerBytes });
    expect(checkBatch(valid, 0, 3)).toEqual({ kind: 'incomplete', need: batchFormat.headerBytes });
    expect(checkBatch(valid, 0, 4)).toEqual({ kind: 'incomplete', need: batchFormat.headerBytes });
    expect(checkBatch(valid, 0, batchFormat.headerBytes - 1)).toEqual({ kind: 'incomplete', need: batchFormat.headerBytes });
    const tiny = Buffer.alloc(8);
    tiny.writeUInt32LE(batchFormat.headerBytes - 5, 0);
    expect(reasonOf(checkBatch(tiny, 0, 8))).toBe(`batch length ${batchFormat.headerBytes - 1} is impossible`);
    tiny.writeUInt32LE(batchFormat.headerBytes - 4, 0);
    expect(checkBatch(tiny, 0, 8)).toEqual({ kind: 'incomplete', need: batchFormat.headerBytes });
    tiny.writeUInt32LE(maxBatchBytes - 4, 0);
    expect(checkBatch(tiny, 0, 8)).toEqual({ kind: 'incomplete', need: batchFormat.headerBytes });
    tiny.writeUInt32LE(maxBatchBytes - 3, 0);
    expect(reasonOf(checkBatch(tiny, 0, 8))).toBe(`batch length ${maxBatchBytes + 1} is impossible`);
    expect(reasonOf(checkBatch(tiny, 0, 4))).toBe(`batch length ${maxBatchBytes + 1} is impossible`); // 4 bytes: the length alone
  });

  it('asks for the whole batch when its header is there and its records are not', () => {
    expect(checkBatch(valid, 0, batchFormat.headerBytes)).toEqual({ kind: 'incomplete', need: valid.byteLength });
    expect(checkBatch(valid, 0, valid.byteLength - 1)).toEqual({ kind: 'incomplete', need: valid.byteLength });
  });

  it('refuses a length too small for one record or larger than the bound', () => {
    const smallest = batchFormat.headerBytes + batchFormat.recordFixedBytes;
    const short = Buffer.from(valid);
    short.writeUInt32LE(smallest - 5, 0);
    expect(reasonOf(checkBatch(short, 0, short.byteLength))).toBe(`batch length ${smallest - 1} is impossible`);
    short.writeUInt32LE(smallest - 4, 0);
    expect(checkBatch(short, 0, short.byteLength).kind).toBe('corrupt'); // plausible length, so the CRC decides
    expect(reasonOf(checkBatch(short, 0, short.byteLength))).toMatch(/^CRC32C mismatch/);
    const huge = Buffer.from(valid);
    huge.writeUInt32LE(maxBatchBytes - 3, 0);
    expect(reasonOf(checkBatch(huge, 0, huge.byteLength))).toBe(`batch length ${maxBatchBytes + 1} is impossible`);
    huge.writeUInt32LE(maxBatchBytes - 4, 0);
    expect(checkBatch(huge, 0, huge.byteLength)).toEqual({ kind: 'incomplete', need: maxBatchBytes });
  });

  it('names both checksums on a CRC mismatch, and skips the CRC only when told to', () => {
    const changed = Buffer.from(valid);
    const inData = valid.indexOf('data of id-1');
    changed[inData] = changed[inData]! ^ 1;
    const stored = valid.readUInt32LE(4).toString(16).padStart(8, '0');
    const computed = crc32c(changed.subarray(8)).toString(16).padStart(8, '0');
    expect(reasonOf(checkBatch(changed, 0, changed.byteLength))).toBe(`CRC32C mismatch (stored ${stored}, computed ${computed})`);
    expect(checkBatch(changed, 0, changed.byteLength, false).kind).toBe('ok');
    const small = Buffer.alloc(valid.byteLength + 4);
    valid.copy(small, 4);
    small.writeUInt32LE(0x0000abcd, 8);
    expect(reasonOf(checkBatch(small, 4, small.byteLength))).toMatch(/^CRC32C mismatch \(stored 0000abcd, computed [0-9a-f]{8}\)$/);
  });

  it('refuses an unknown version, an empty batch, and a count that does not match the records', () => {
    expect(reasonOf(checkBatch(forged(valid, (b) => b.writeUInt8(2, 8)), 0, valid.byteLength))).toBe('unknown batch format version 2');
    expect(reasonOf(checkBatch(forged(valid, (b) => b.writeUInt32LE(0, 20)), 0, valid.byteLength))).toBe('batch holds no record');
    expect(reasonOf(checkBatch(forged(valid, (b) => b.writeUInt32LE(4, 20)), 0, valid.byteLength))).toBe('record 3 overruns the batch');
    expect(reasonOf(checkBatch(forged(valid, (b) => b.writeUInt32LE(2, 20)), 0, valid.byteLength))).toBe('bytes left after the last record');
  });

  it('refuses a record whose offset delta is not its place in the batch', () => {
    const second = batchFormat.headerBytes + 4 + valid.readUInt32LE(first.length);
    expect(reasonOf(checkBatch(forged(valid, (b) => b.writeUInt32LE(5, second + 4)), 0, valid.byteLength))).toBe('record 1 has offset delta 5');
    expect(reasonOf(checkBatch(forged(valid, (b) => b.writeUInt32LE(1, first.delta)), 0, valid.byteLength))).toBe('record 0 has offset delta 1');
  });

  it('refuses a record length that leaves its batch or is shorter than a record', () => {
    const length = valid.readUInt32LE(first.length);
    expect(reasonOf(checkBatch(forged(valid, (b) => b.writeUInt32LE(valid.byteLength, first.length)), 0, valid.byteLength))).toBe('record 0 has an impossible length');
    expect(reasonOf(checkBatch(forged(valid, (b) => b.writeUInt32LE(batchFormat.recordFixedBytes - 5, first.length)), 0, valid.byteLength))).toBe('record 0 has an impossible length');
    // One byte shorter: the fields no longer fit, or they overrun what is left.
    expect(reasonOf(checkBatch(forged(valid, (b) => b.writeUInt32LE(length - 1, first.length)), 0, valid.byteLength))).toMatch(/^record 0: /);
  });

  /** A batch of one record with the given id, key, headers and data, for the field-by-field cases. */
  function single(fields: Partial<OutgoingRecord>): Buffer {
    return encode([rec('ab', fields)], 0);
  }
  const at = { idLength: first.idLength, keyLength: first.idLength + 2 + 2 };

  it('refuses an id, key, header or data length that runs past its record', () => {
    const plain = single({ key: 'k', headers: { h: 'v' }, data: Buffer.from('dd') });
    const end = plain.byteLength;
    const headerCount = at.keyLength + 4 + 1;
    const nameLength = headerCount + 2;
    const valueLength = nameLength + 2 + 1;
    const dataLength = valueLength + 4 + 1;
    expect(dataLength + 4 + 2).toBe(end);
    const cases: [string, (b: Buffer) => void][] = [
      ['record 0: id overruns', (b) => b.writeUInt16LE(0xffff, at.idLength)],
      // An id that runs 1 byte past where the key length could still fit.
      ['record 0: id overruns', (b) => b.writeUInt16LE(end - at.idLength - 2 - 4 + 1, at.idLength)],
      ['record 0: key overruns', (b) => b.writeUInt32LE(end - at.keyLength - 4 - 2 + 1, at.keyLength)],
      ['record 0: data overruns', (b) => b.writeUInt32LE(end - valueLength - 4 - 4 + 1, valueLength)],
      ['record 0: key overruns', (b) => b.writeUInt32LE(1000, at.keyLength)],
      ['record 0: header overruns', (b) => b.writeUInt16LE(9, headerCount)],
      ['record 0: header overruns', (b) => b.writeUInt16LE(1000, nameLength)],
      ['record 0: data overruns', (b) => b.writeUInt32LE(1000, valueLength)],
      ['record 0: fields do not fill the record', (b) => b.writeUInt32LE(1, dataLength)],
      ['record 0: fields do not fill the record', (b) => b.writeUInt32LE(3, dataLength)],
    ];
    for (const [reason, change] of cases) expect(reasonOf(checkBatch(forged(plain, change), 0, end))).toBe(reason);
    expect(checkBatch(plain, 0, end).kind).toBe('ok');
  });

  it('checks each boundary exactly: a field that ends on its record end is whole', () => {
    // Key, headers and data all empty: every field ends where the next starts, the record's last
    // field ends on the record's end.
    const bare = single({ data: new Uint8Array(0) });
    expect(bare.byteLength).toBe(batchFormat.headerBytes + batchFormat.recordFixedBytes + 2);
    expect(checkBatch(bare, 0, bare.byteLength).kind).toBe('ok');
    // An id one byte longer swallows the key length's first byte: the key no longer fits.
    expect(reasonOf(checkBatch(forged(bare, (b) => b.writeUInt16LE(3, at.idLength)), 0, bare.byteLength))).toMatch(/^record 0: (key|data|header) overruns|fields do not fill/);
    // The smallest record there is: empty id, no key, no headers, no data.
    const smallest = encode([rec('', { data: new Uint8Array(0) })], 0);
    expect(smallest.byteLength).toBe(batchFormat.headerBytes + batchFormat.recordFixedBytes);
    expect(checkBatch(smallest, 0, smallest.byteLength).kind).toBe('ok');
    const noKey = single({ data: new Uint8Array(0) });
    expect(noKey.readUInt32LE(at.keyLength)).toBe(batchFormat.noKey);
  });
});

describe('encodedRecordBytes', () => {
  it('counts UTF-8 bytes of every field, to the byte', () => {
    for (const r of sample) {
      const alone = encode([r], 0);
      expect(encodedRecordBytes(r)).toBe(alone.byteLength - batchFormat.headerBytes);
      expect(alone.readUInt32LE(first.length)).toBe(encodedRecordBytes(r) - 4);
    }
    expect(encodedRecordBytes(rec('é', { key: 'ü', headers: { 'ä': 'ö' }, data: new Uint8Array(3) }))).toBe(batchFormat.recordFixedBytes + 2 + 2 + 6 + 2 + 2 + 3);
  });

  function refusal(r: OutgoingRecord): string {
    try {
      encodedRecordBytes(r);
    } catch (error) {
      expect(error).toBeInstanceOf(HopbusError);
      expect((error as HopbusError).code).toBe('publish_failed');
      return (error as Error).message;
    }
    return 'accepted';
  }

  it('takes the largest id, header name and header count the format holds, and refuses one more', () => {
    expect(refusal(rec('i'.repeat(0xffff)))).toBe('accepted');
    expect(refusal(rec('é'.repeat(0x8000)))).toMatch(/cannot be stored: its id is longer than 65,535 bytes\.$/);
    expect(refusal(rec('x', { headers: { ['n'.repeat(0xffff)]: 'v' } }))).toBe('accepted');
    expect(refusal(rec('x', { headers: { ['ü'.repeat(0x8000)]: 'v' } }))).toMatch(/a header name is longer than 65,535 bytes/);
    const many = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`h${i}`, '']));
    expect(refusal(rec('x', { headers: many(0xffff) }))).toBe('accepted');
    expect(refusal(rec('x', { headers: many(0x10000) }))).toMatch(/it has more than 65,535 headers/);
  });

  it('takes timestamps from the epoch to below 2^46 ms, and refuses the rest', () => {
    expect(refusal(rec('x', { timestamp: 0 }))).toBe('accepted');
    expect(refusal(rec('x', { timestamp: 2 ** 46 - 1 }))).toBe('accepted');
    for (const timestamp of [-1, 2 ** 46, Number.NaN]) {
      expect(refusal(rec('x', { timestamp }))).toBe(`Record "x" on topic ${topic} cannot be stored: its timestamp ${timestamp} is not milliseconds since the epoch.`);
    }
  });

  it('names the record by the first 80 characters of its id', () => {
    expect(refusal(rec('a'.repeat(100), { timestamp: -1 }))).toMatch(new RegExp(`^Record "${'a'.repeat(80)}" on topic`));
  });
});
