import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { crc32c } from '@node-rs/crc32';
import fc from 'fast-check';
import { HopbusError } from '@hopbus/core';
import type { OutgoingRecord } from '@hopbus/core';
import { CorruptLogError, LogInspector, LogTransport, repairLog, verifyLog } from '@hopbus/log';
import type { LogOptions, RecoveryEvent } from '@hopbus/log';
import { encodeBatchInto, encodedRecordBytes } from '../src/encodeBatch.js';
import { batchFormat } from '../src/batchFormat.js';
import { checkBatch, decodeBatch } from '../src/readBatch.js';
import type { LogRecord } from '../src/LogRecord.js';
import type { StoredRecord } from '../src/StoredRecord.js';
import { tempDir } from './support/tempDir.js';

const topic = 'corrupt.t';

function record(n: number): OutgoingRecord {
  return { id: `id-${n}`, topic, key: `k${n % 3}`, headers: { 'x-n': String(n) }, data: Buffer.from(`payload ${n} `.repeat(1 + (n % 5))), timestamp: 1_700_000_000_000 + n };
}

/** Writes `count` records in batches of 10 into small segments; resolves to the partition folder. */
async function fill(dir: string, count: number, options: Partial<LogOptions> = {}): Promise<string> {
  const transport = new LogTransport({ dir, segmentBytes: 4096, fsync: 'never', ...options });
  for (let n = 0; n < count; n += 10) await transport.publish(Array.from({ length: Math.min(10, count - n) }, (_, i) => record(n + i)));
  await transport.close();
  return join(dir, topic, '0');
}

function segments(partitionDir: string): string[] {
  return readdirSync(partitionDir).filter((f) => f.endsWith('.log')).sort().map((f) => join(partitionDir, f));
}

function flipByte(file: string, position: number): void {
  const fd = openSync(file, 'r+');
  try {
    const one = Buffer.alloc(1);
    readSync(fd, one, 0, 1, position);
    one[0] = one[0]! ^ 0xff;
    writeSync(fd, one, 0, 1, position);
  } finally {
    closeSync(fd);
  }
}

/** Byte positions where the batches of a segment start. */
function batchStarts(file: string): number[] {
  const buf = readFileSync(file);
  const starts: number[] = [];
  for (let at = 0; at < buf.byteLength; at += buf.readUInt32LE(at) + 4) starts.push(at);
  return starts;
}

async function readEverything(dir: string): Promise<LogRecord[]> {
  const inspector = await LogInspector.open(dir);
  try {
    return await inspector.readRecords(topic, { limit: 1_000_000 });
  } finally {
    await inspector.close();
  }
}

async function openError(options: LogOptions): Promise<unknown> {
  const transport = new LogTransport(options);
  return transport.connect().then(
    async () => {
      await transport.close();
      return undefined;
    },
    (error: unknown) => error,
  );
}

describe('corruption', () => {
  let dir: string;
  let remove: () => void;
  beforeEach(() => ({ dir, remove } = tempDir('corrupt')));
  afterEach(() => remove());

  it('refuses to open a log with a flipped byte in a sealed segment, naming the file and the batch position', async () => {
    const partition = await fill(dir, 300);
    const files = segments(partition);
    expect(files.length).toBeGreaterThan(3);
    const sealed = files[1]!;
    const starts = batchStarts(sealed);
    const victim = starts[1]!;
    flipByte(sealed, victim + 50);

    const error = await openError({ dir });
    expect(error).toBeInstanceOf(CorruptLogError);
    expect(HopbusError.hasCode(error, 'corrupt_log')).toBe(true);
    expect((error as CorruptLogError).file).toBe(sealed);
    expect((error as CorruptLogError).position).toBe(victim);
    expect((error as CorruptLogError).message).toMatch(/repair/);

    const report = await verifyLog(dir);
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(expect.objectContaining({ file: sealed, position: victim, kind: 'corrupt' }));
    // The lock was released by the failed open: a repair can run.
    const progress: number[] = [];
    const repaired = await repairLog(dir, { onProgress: (p) => progress.push(p.bytesDone) });
    expect(repaired.ok).toBe(true);
    expect(repaired.actions).toContainEqual(expect.objectContaining({ kind: 'truncated', file: sealed }));
    expect(progress.length).toBeGreaterThan(0);

    // What was before the bad batch, and every later segment, is still there; the cut batch left a gap.
    const records = await readEverything(dir);
    const offsets = records.map((r) => r.offset);
    expect(offsets.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(offsets[offsets.length - 1]).toBe(299);
    expect(records.length).toBeLessThan(300);
    for (const r of records) expect(r.id).toBe(`id-${r.offset}`);
  });

  it("cuts a sealed segment at the bad batch when opened with onCorruption: 'truncate'", async () => {
    const partition = await fill(dir, 300);
    const sealed = segments(partition)[0]!;
    const victim = batchStarts(sealed)[2]!;
    flipByte(sealed, victim + 4); // the CRC itself
    const events: RecoveryEvent[] = [];
    const transport = new LogTransport({ dir, onCorruption: 'truncate', onRecovery: (e) => events.push(e) });
    await transport.connect();
    await transport.publish([record(1000)]);
    await transport.close();
    expect(events).toContainEqual(expect.objectContaining({ kind: 'truncated', file: sealed }));
    expect(statSync(sealed).size).toBe(victim);
    const records = await readEverything(dir);
    expect(records[records.length - 1]!.id).toBe('id-1000');
    expect(records[records.length - 1]!.offset).toBe(300);
  });

  it('rebuilds a damaged index on open, in either verify mode, and reads every record', async () => {
    for (const verifyOnOpen of ['tail', 'full'] as const) {
      const { dir: own, remove: removeOwn } = tempDir('index');
      try {
        const partition = await fill(own, 400, { indexIntervalBytes: 200 });
        const index = segments(partition)[0]!.replace(/\.log$/, '.index');
        const size = statSync(index).size;
        expect(size).toBeGreaterThan(16);
        flipByte(index, size - 6); // the last entry's position
        flipByte(index, 3);
        expect((await verifyLog(own)).problems).toContainEqual(expect.objectContaining({ file: index, kind: 'index' }));
        const events: RecoveryEvent[] = [];
        const transport = new LogTransport({ dir: own, verifyOnOpen, onRecovery: (e) => events.push(e) });
        await transport.connect();
        await transport.close();
        expect(events).toContainEqual(expect.objectContaining({ kind: 'index_rebuilt', file: index }));
        expect((await verifyLog(own)).problems).toEqual([]);
        const records = await readEverything(own);
        expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 400 }, (_, i) => i));
      } finally {
        removeOwn();
      }
    }
  });

  it('recovers a missing index and a truncated index', async () => {
    const partition = await fill(dir, 300, { indexIntervalBytes: 100 });
    const [first, second] = segments(partition);
    writeFileSync(first!.replace(/\.log$/, '.index'), Buffer.alloc(0));
    truncateSync(second!.replace(/\.log$/, '.index'), 13);
    const transport = new LogTransport({ dir, verifyOnOpen: 'tail' });
    await transport.connect();
    await transport.close();
    expect((await verifyLog(dir)).problems).toEqual([]);
    expect((await readEverything(dir)).length).toBe(300);
  });

  it('cuts a torn batch at the end of the active segment and goes on at the right offset', async () => {
    const partition = await fill(dir, 300);
    const active = segments(partition).pop()!;
    const starts = batchStarts(active);
    const last = starts[starts.length - 1]!;
    const lastBase = readFileSync(active).readUIntLE(last + 12, 6);
    truncateSync(active, last + 30); // mid-header
    expect((await verifyLog(dir)).problems).toContainEqual(expect.objectContaining({ file: active, kind: 'torn_tail', position: last }));

    const events: RecoveryEvent[] = [];
    const transport = new LogTransport({ dir, onRecovery: (e) => events.push(e) });
    await transport.connect();
    await transport.publish([record(5000)]);
    await transport.close();
    expect(events).toContainEqual(expect.objectContaining({ kind: 'truncated', file: active }));
    const records = await readEverything(dir);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: lastBase + 1 }, (_, i) => i));
    expect(records[lastBase]!.id).toBe('id-5000');

    // Without onRecovery, the cut is said on stderr.
    const nowActive = segments(partition).pop()!;
    const tornAt = batchStarts(nowActive).pop()!;
    truncateSync(nowActive, statSync(nowActive).size - 10);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const quietless = new LogTransport({ dir });
      await quietless.connect();
      await quietless.close();
      expect(warn.mock.calls).toEqual([[expect.stringMatching(new RegExp(`^hopbus log: ${nowActive}: cut \\d+ bytes at byte ${tornAt}:`))]]);
    } finally {
      warn.mockRestore();
    }
  });

  it('refuses a sealed segment cut mid-batch', async () => {
    const partition = await fill(dir, 300);
    const sealed = segments(partition)[1]!;
    const starts = batchStarts(sealed);
    truncateSync(sealed, starts[starts.length - 1]! + 100);
    const error = await openError({ dir });
    expect(error).toBeInstanceOf(CorruptLogError);
    expect((error as CorruptLogError).file).toBe(sealed);
    expect((error as CorruptLogError).position).toBe(starts[starts.length - 1]);
  });

  it('refuses damaged group offsets, or sends the group back to the earliest record with truncate', async () => {
    await fill(dir, 50);
    const first = new LogTransport({ dir });
    const subscription = await first.subscribe(topic, { group: 'billing', start: 'earliest', maxInFlight: 100, ackTimeoutMs: 30_000 });
    let seen = 0;
    for await (const delivery of subscription) {
      delivery.ack();
      if (++seen === 30) break;
    }
    await first.close();
    const offsetsFile = join(dir, topic, 'groups', 'billing.offsets');
    expect(readFileSync(offsetsFile, 'utf8')).toContain('"offsets":[30]');
    flipByte(offsetsFile, 20);

    const error = await openError({ dir });
    expect(error).toBeInstanceOf(CorruptLogError);
    expect((error as CorruptLogError).file).toBe(offsetsFile);
    expect((await verifyLog(dir)).problems).toContainEqual(expect.objectContaining({ file: offsetsFile, kind: 'corrupt' }));

    const events: RecoveryEvent[] = [];
    const second = new LogTransport({ dir, onCorruption: 'truncate', onRecovery: (e) => events.push(e) });
    const again = await second.subscribe(topic, { group: 'billing', start: 'latest', maxInFlight: 100, ackTimeoutMs: 30_000 });
    const firstAgain = await again[Symbol.asyncIterator]().next();
    expect(firstAgain.done).toBe(false);
    expect((firstAgain.value as LogRecord).offset).toBe(0); // redelivered, not lost
    await second.close();
    expect(events).toContainEqual(expect.objectContaining({ kind: 'group_reset', file: offsetsFile }));
  });

  it('ends a subscription with CorruptLogError when a read meets a bad batch that open did not check', async () => {
    const partition = await fill(dir, 300, { indexIntervalBytes: 100 });
    const sealed = segments(partition)[0]!;
    flipByte(sealed, batchStarts(sealed)[1]! + 60); // before the last index entry: a 'tail' open does not look there
    const transport = new LogTransport({ dir, verifyOnOpen: 'tail' });
    const subscription = await transport.subscribe(topic, { group: 'g', start: 'earliest', maxInFlight: 1000, ackTimeoutMs: 30_000 });
    const offsets: number[] = [];
    for await (const delivery of subscription) {
      offsets.push(delivery.offset);
      delivery.ack();
    }
    const closed = await subscription.closed;
    expect(closed).toBeInstanceOf(CorruptLogError);
    expect((closed as CorruptLogError).file).toBe(sealed);
    expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => i)); // nothing skipped
    expect(offsets.length).toBeLessThan(300);
    await transport.close();
  });
});

describe('batch reader fuzzing', () => {
  const sample: OutgoingRecord[] = Array.from({ length: 5 }, (_, n) => record(n));
  const sizes = sample.map(encodedRecordBytes);
  const valid = Buffer.alloc(batchFormat.headerBytes + sizes.reduce((a, b) => a + b, 0));
  encodeBatchInto(valid, 0, sample, 0, sample.length, 42, valid.byteLength);

  it('round-trips a batch', () => {
    const check = checkBatch(valid, 0, valid.byteLength);
    expect(check.kind).toBe('ok');
    const out: StoredRecord[] = [];
    if (check.kind === 'ok') decodeBatch(valid, 0, check.header, topic, 0, 0, out);
    expect(out.map((r) => [r.offset, r.id, r.key, r.headers['x-n'], Buffer.from(r.data).toString(), r.timestamp])).toEqual(
      sample.map((r, i) => [42 + i, r.id, r.key, r.headers['x-n'], Buffer.from(r.data).toString(), r.timestamp]),
    );
  });

  it('never throws and never accepts random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        const buf = Buffer.from(bytes);
        const check = checkBatch(buf, 0, buf.byteLength);
        expect(check.kind).not.toBe('ok');
      }),
      { numRuns: 5000 },
    );
  });

  it('never accepts a batch with a changed byte, nor a cut one', () => {
    fc.assert(
      fc.property(fc.nat({ max: valid.byteLength - 1 }), fc.integer({ min: 1, max: 255 }), fc.nat({ max: valid.byteLength - 1 }), (at, xor, cut) => {
        const changed = Buffer.from(valid);
        changed[at] = changed[at]! ^ xor;
        expect(checkBatch(changed, 0, changed.byteLength).kind).not.toBe('ok');
        expect(checkBatch(valid, 0, cut).kind).toBe('incomplete');
      }),
      { numRuns: 5000 },
    );
  });

  it('decodes any well-framed batch with a valid CRC, whatever its bytes, and refuses one whose framing is off', () => {
    // Records framed right around random field bytes (invalid UTF-8, empty fields, no key), so
    // that most cases get past the CRC and the framing check to the decoder; some have one
    // length changed, which the framing check must refuse.
    const field = fc.uint8Array({ maxLength: 40 });
    const rawRecord = fc.record({ id: field, key: fc.option(field, { nil: undefined }), headers: fc.array(fc.tuple(field, field), { maxLength: 4 }), data: fc.uint8Array({ maxLength: 100 }), delta: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }) });
    const damageOrNone = fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: fc.tuple(fc.nat(), fc.integer({ min: 1, max: 300 })), weight: 1 });
    let decoded = 0;
    let damaged = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.array(rawRecord, { minLength: 1, maxLength: 8 }), damageOrNone, (records, damage) => {
        const { buf, lengthFields } = frameBatch(records);
        if (damage) {
          // Grow or shrink one length field (record, id, key, header or data length): the CRC is recomputed below.
          const [which, by] = damage;
          const [at, width] = lengthFields[which % lengthFields.length]!;
          const value = width === 2 ? buf.readUInt16LE(at) : buf.readUInt32LE(at);
          const changed = value === batchFormat.noKey ? by : Math.max(0, value + (by % 2 === 0 ? by : -by)) % (width === 2 ? 0x10000 : 0x100000000);
          if (changed === value) return true;
          if (width === 2) buf.writeUInt16LE(changed, at);
          else buf.writeUInt32LE(changed, at);
        }
        buf.writeUInt32LE(crc32c(buf.subarray(8)), 4);
        const check = checkBatch(buf, 0, buf.byteLength);
        // Fields are decoded on first read: read every one (UTF-8 with replacement, data as bytes).
        const read = (r: StoredRecord): unknown[] => [r.offset, r.timestamp, r.id, r.key, { ...r.headers }, Buffer.from(r.data).toString('hex')];
        const out: StoredRecord[] = [];
        if (damage) {
          damaged++;
          // The bytes are all there: never 'incomplete'. Random field bytes can, rarely, read as
          // lengths that frame the record again: then it must decode without throwing.
          if (check.kind === 'incomplete') return false;
          if (check.kind === 'corrupt') refused++;
          else {
            decodeBatch(buf, 0, check.header, topic, 0, 0, out);
            out.forEach(read);
          }
          return out.length === (check.kind === 'ok' ? records.length : 0);
        }
        if (check.kind !== 'ok') return false;
        decodeBatch(buf, 0, check.header, topic, 0, 0, out);
        const utf8 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
        const expected = records.map((r, i) => [7 + i, 1_700_000_000_000 + r.delta, utf8(r.id), r.key && utf8(r.key), Object.fromEntries(r.headers.map(([name, value]) => [utf8(name), utf8(value)])), Buffer.from(r.data).toString('hex')]);
        // A property that returns false fails with its counterexample (faster than an expect per case).
        if (!isDeepStrictEqual(check.header, { bytes: buf.byteLength, baseOffset: 7, count: records.length, firstTimestamp: 1_700_000_000_000, maxTimestamp: 1_700_000_000_000 + Math.max(0, ...records.map((r) => r.delta)) })) return false;
        if (!isDeepStrictEqual(out.map(read), expected)) return false;
        decoded++;
        return true;
      }),
      { numRuns: 3000 },
    );
    // The point of the generator: most cases reach the decoder, and the damaged ones the framing check.
    expect(decoded).toBeGreaterThan(1800);
    expect(damaged).toBeGreaterThan(400);
    expect(refused).toBeGreaterThanOrEqual(damaged * 0.99); // a changed length that reads as a valid framing again is rare
  });
});

interface RawRecord {
  readonly id: Uint8Array;
  readonly key: Uint8Array | undefined;
  readonly headers: readonly (readonly [Uint8Array, Uint8Array])[];
  readonly data: Uint8Array;
  /** Timestamp delta from the batch's first timestamp. */
  readonly delta: number;
}

/**
 * A batch at base offset 7 around `records`, framed as docs/log.md and batchFormat describe,
 * written here independently of encodeBatch; the CRC is left for the caller. `lengthFields`
 * lists where each length field is, with its width.
 */
function frameBatch(records: readonly RawRecord[]): { buf: Buffer; lengthFields: [at: number, width: number][] } {
  const parts: Buffer[] = [];
  const lengthFields: [number, number][] = [];
  let at: number = batchFormat.headerBytes;
  const u16 = (n: number): Buffer => Buffer.from([n & 0xff, n >>> 8]);
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const first = 1_700_000_000_000;
  records.forEach((record, i) => {
    const fields: [Buffer, boolean][] = []; // [bytes, is a length field]
    const delta = Buffer.alloc(6);
    delta.writeIntLE(record.delta, 0, 6);
    fields.push([u32(i), false], [delta, false], [u16(record.id.byteLength), true], [Buffer.from(record.id), false]);
    fields.push(record.key === undefined ? [u32(batchFormat.noKey), true] : [u32(record.key.byteLength), true], [Buffer.from(record.key ?? []), false]);
    fields.push([u16(record.headers.length), false]);
    for (const [name, value] of record.headers) fields.push([u16(name.byteLength), true], [Buffer.from(name), false], [u32(value.byteLength), true], [Buffer.from(value), false]);
    fields.push([u32(record.data.byteLength), true], [Buffer.from(record.data), false]);
    const body = Buffer.concat(fields.map(([bytes]) => bytes));
    lengthFields.push([at, 4]);
    parts.push(u32(body.byteLength));
    let p = at + 4;
    for (const [bytes, isLength] of fields) {
      if (isLength) lengthFields.push([p, bytes.byteLength]);
      p += bytes.byteLength;
    }
    parts.push(body);
    at = p;
  });
  const header = Buffer.alloc(batchFormat.headerBytes);
  header.writeUInt32LE(at - 4, 0);
  header.writeUInt8(batchFormat.version, 8);
  header.writeUIntLE(7, 12, 6);
  header.writeUInt32LE(records.length, 20);
  header.writeIntLE(first, 24, 6);
  header.writeIntLE(first + Math.max(0, ...records.map((r) => r.delta)), 32, 6);
  return { buf: Buffer.concat([header, ...parts]), lengthFields };
}
