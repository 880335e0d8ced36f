import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
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

  it('never throws on random bytes with a valid CRC and length (the framing is checked too)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 80, maxLength: 600 }), fc.integer({ min: 1, max: 20 }), (body, count) => {
        const buf = Buffer.alloc(batchFormat.headerBytes + body.byteLength);
        Buffer.from(body).copy(buf, batchFormat.headerBytes);
        buf.writeUInt32LE(buf.byteLength - 4, 0);
        buf.writeUInt8(batchFormat.version, 8);
        buf.writeUInt32LE(count, 20);
        // Recompute the CRC so only the record framing stands between garbage and the decoder.
        buf.writeUInt32LE(crc32c(buf.subarray(8)), 4);
        const check = checkBatch(buf, 0, buf.byteLength);
        if (check.kind === 'ok') {
          const out: StoredRecord[] = [];
          decodeBatch(buf, 0, check.header, topic, 0, 0, out);
          expect(out).toHaveLength(count);
          // Fields are decoded on first read: reading every one must not throw either.
          for (const r of out) expect(() => [r.id, r.key, r.headers, r.data]).not.toThrow();
        }
      }),
      { numRuns: 3000 },
    );
  });
});
