import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createBus, HopbusError, PartlyPublishedError, resolveTransport, silentLogger, topic } from '@hopbus/core';
import type { OutgoingRecord } from '@hopbus/core';
import { LogInspector, LogTransport, resetGroup } from '@hopbus/log';
import type { LogOptions } from '@hopbus/log';
import { partitionForKey } from '../src/partitionForKey.js';
import { waitFor } from '../../core/test/waitFor.js';
import { ensureBuilt, fixturesDir } from './support/ensureBuilt.js';
import { tempDir } from './support/tempDir.js';
import { transportsPerTest } from './support/transportsPerTest.js';

function record(topic: string, n: number, extra: Partial<OutgoingRecord> = {}): OutgoingRecord {
  return { id: `id-${n}`, topic, headers: {}, data: Buffer.from(`record ${n}`), timestamp: Date.now(), ...extra };
}

const options = { group: 'g', start: 'earliest', maxInFlight: 1000, ackTimeoutMs: 30_000 } as const;

describe('LogTransport engine', () => {
  const logs = transportsPerTest('engine');
  const transport = logs.transport;
  let dir: string;
  beforeEach(() => (dir = logs.dir()));

  it('rolls segments at the size limit and names them by base offset, each with an index', async () => {
    const t = transport({ segmentBytes: 2048 });
    for (let n = 0; n < 200; n += 5) await t.publish(Array.from({ length: 5 }, (_, i) => record('roll.t', n + i)));
    const files = readdirSync(join(dir, 'roll.t', '0')).sort();
    const logs = files.filter((f) => f.endsWith('.log'));
    expect(logs.length).toBeGreaterThan(3);
    expect(logs[0]).toBe('00000000000000000000.log');
    for (const log of logs) expect(files).toContain(log.replace('.log', '.index'));
    for (const log of logs.slice(0, -1)) expect(statSync(join(dir, 'roll.t', '0', log)).size).toBeLessThanOrEqual(2048 + 400);
    const bases = logs.map((f) => Number(f.slice(0, 20)));
    expect(bases).toEqual([...bases].sort((a, b) => a - b));
    await t.close();
    const inspector = await LogInspector.open(dir);
    const records = await inspector.readRecords('roll.t', { offset: bases[2]! - 1, limit: 3 });
    expect(records.map((r) => r.offset)).toEqual([bases[2]! - 1, bases[2]!, bases[2]! + 1]);
    expect(records.map((r) => r.id)).toEqual([`id-${bases[2]! - 1}`, `id-${bases[2]}`, `id-${bases[2]! + 1}`]);
    await inspector.close();
  });

  it('rolls segments under fsync always with no synchronous file call on the event loop', async () => {
    const t = transport({ segmentBytes: 2048, fsync: 'always' });
    await t.publish([record('noblock.t', 0)]); // opening a topic may read its files synchronously
    const names = ['openSync', 'closeSync', 'fsyncSync', 'fdatasyncSync', 'writeSync', 'writevSync', 'readSync', 'renameSync', 'mkdirSync', 'unlinkSync'] as const;
    const spies = names.map((name) => jest.spyOn(fs, name));
    try {
      for (let n = 1; n < 200; n += 5) await t.publish(Array.from({ length: 5 }, (_, i) => record('noblock.t', n + i)));
      const subscription = await t.subscribe('noblock.t', options);
      let seen = 0;
      for await (const delivery of subscription) {
        delivery.ack();
        if (++seen === 201) break;
      }
      await t.commit();
      const called = names.filter((_, i) => spies[i]!.mock.calls.length > 0);
      expect(called).toEqual([]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(readdirSync(join(dir, 'noblock.t', '0')).filter((f) => f.endsWith('.log')).length).toBeGreaterThan(3);
  });

  it('writes the index behind the data: after a clean close it is the index recovery would build', async () => {
    const t = transport({ indexIntervalBytes: 256, fsync: 'always' });
    for (let n = 0; n < 400; n += 4) await t.publish(Array.from({ length: 4 }, (_, i) => record('index.t', n + i)));
    await t.close();
    const index = join(dir, 'index.t', '0', '00000000000000000000.index');
    expect(statSync(index).size / 8).toBeGreaterThan(20);
    const events: unknown[] = [];
    const reopened = transport({ indexIntervalBytes: 256, onRecovery: (event) => events.push(event) });
    await reopened.connect();
    await reopened.publish([record('index.t', 400)]);
    expect(events).toEqual([]);
  });

  it('fails the partition, not silently, when an index write fails behind the data', async () => {
    const t = transport({ indexIntervalBytes: 64, fsync: 'always' });
    await t.publish([record('badindex.t', 0)]);
    const index = join(dir, 'badindex.t', '0', '00000000000000000000.index');
    fs.rmSync(index);
    fs.mkdirSync(index); // opening it for the first index entry now fails (EISDIR)
    const outcomes: unknown[] = [];
    for (let n = 1; n < 30; n++) {
      try {
        await t.publish([record('badindex.t', n)]);
        outcomes.push('ok');
      } catch (error) {
        outcomes.push((error as HopbusError).code);
      }
    }
    expect(outcomes).toContain('publish_failed');
    expect(outcomes.indexOf('publish_failed')).toBeGreaterThan(0); // the record that needed the index was durable first
    expect(outcomes.slice(outcomes.indexOf('publish_failed')).every((o) => o === 'publish_failed')).toBe(true);
  });

  it('says which records were stored when one partition fails and another does not', async () => {
    const t = transport({ indexIntervalBytes: 64, fsync: 'always', partitions: 2 });
    const keyFor = (partition: number): string => [...Array(100).keys()].map((n) => `k${n}`).find((key) => partitionForKey(key, 2) === partition)!;
    const [healthy, broken] = [keyFor(0), keyFor(1)];
    await t.publish([record('partly.t', 0, { key: healthy }), record('partly.t', 1, { key: broken })]);
    const index = join(dir, 'partly.t', '1', '00000000000000000000.index');
    fs.rmSync(index);
    fs.mkdirSync(index); // partition 1 fails at its next index entry
    for (let n = 2; ; n++) {
      const failed = await t.publish([record('partly.t', n, { key: broken })]).then(
        () => false,
        () => true,
      );
      if (failed) break;
      if (n > 100) throw new Error('partition 1 never failed');
    }
    const outcome = await t.publish([record('partly.t', 200, { key: healthy }), record('partly.t', 201, { key: broken }), record('partly.t', 202, { key: healthy })]).catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(PartlyPublishedError);
    expect((outcome as PartlyPublishedError).code).toBe('publish_failed');
    expect([...(outcome as PartlyPublishedError).storedIds].sort()).toEqual(['id-200', 'id-202']);
  });

  it('hands records just written to consumers at the tail from memory, and reads the file when told to keep none', async () => {
    for (const tailCacheBytes of [undefined, 0]) {
      const t = transport({ dir: join(dir, `cache-${tailCacheBytes ?? 'default'}`), tailCacheBytes });
      const subscription = await t.subscribe('tail.t', { ...options, start: 'latest' });
      const reads = jest.spyOn(fs, 'read');
      try {
        const ids: string[] = [];
        for (let n = 0; n < 50; n++) await t.publish([record('tail.t', n)]);
        for await (const delivery of subscription) {
          ids.push(delivery.id);
          expect(Buffer.from(delivery.data).toString()).toBe(`record ${ids.length - 1}`);
          delivery.ack();
          if (ids.length === 50) break;
        }
        expect(ids).toEqual(Array.from({ length: 50 }, (_, n) => `id-${n}`));
        if (tailCacheBytes === 0) expect(reads).toHaveBeenCalled();
        else expect(reads).not.toHaveBeenCalled();
      } finally {
        reads.mockRestore();
      }
    }
  });

  it('refuses a negative tailCacheBytes with a config error when it connects', async () => {
    await expect(transport({ tailCacheBytes: -1 }).connect()).rejects.toMatchObject({ code: 'config', message: expect.stringContaining('tailCacheBytes') });
  });

  it('rolls a segment by age', async () => {
    const t = transport({ segmentMs: 50 });
    await t.publish([record('age.t', 0)]);
    await new Promise((r) => setTimeout(r, 80));
    await t.publish([record('age.t', 1)]);
    expect(readdirSync(join(dir, 'age.t', '0')).filter((f) => f.endsWith('.log'))).toEqual(['00000000000000000000.log', '00000000000000000001.log']);
  });

  it('routes a key to one partition by a stable hash, spreads keyless records, and remembers the partition count', async () => {
    const t = transport({ partitions: { 'route.t': 4 } });
    const keys = Array.from({ length: 40 }, (_, i) => `customer-${i}`);
    await t.publish(keys.flatMap((key, i) => [record('route.t', i * 2, { key }), record('route.t', i * 2 + 1, { key })]));
    await t.publish(Array.from({ length: 8 }, (_, i) => record('route.t', 1000 + i)));
    await t.close();

    const inspector = await LogInspector.open(dir);
    const described = inspector.describeTopic('route.t');
    expect(described.partitions).toHaveLength(4);
    expect(described.records).toBe(88);
    const perPartition = await Promise.all([0, 1, 2, 3].map((p) => inspector.readRecords('route.t', { partition: p, limit: 1000 })));
    for (const [p, records] of perPartition.entries()) {
      for (const r of records) if (r.key !== undefined) expect(partitionForKey(r.key, 4)).toBe(p);
      expect(records.filter((r) => r.key === undefined)).toHaveLength(2); // round robin: 8 keyless over 4
    }
    await inspector.close();

    // Reopened with another default, the topic keeps 4 partitions; asking explicitly for another count is refused.
    const again = transport({ partitions: 2 });
    await again.publish([record('route.t', 5000, { key: 'customer-1' })]);
    await again.close();
    const wrong = transport({ partitions: { 'route.t': 2 } });
    await expect(wrong.publish([record('route.t', 1)])).rejects.toMatchObject({ code: 'config' });
  });

  it('keeps the partition of a key fixed: FNV-1a over its UTF-8 bytes, modulo the count', () => {
    // Pinned: a key that moved would break order per key on every existing topic.
    const pinned: [key: string, partitionOf2347and16: number[]][] = [
      ['customer-1', [1, 1, 3, 1, 7]],
      ['customer-2', [0, 0, 2, 6, 10]],
      ['order-42', [0, 2, 0, 4, 4]],
      ['k0', [0, 1, 2, 1, 14]],
      ['k1', [1, 0, 1, 6, 1]],
      ['k2', [0, 0, 0, 5, 8]],
      ['k3', [1, 2, 3, 3, 11]],
      ['héllo 世界 🚀', [1, 2, 1, 2, 5]],
      ['\u{1F680}', [0, 2, 2, 6, 10]],
      ['\udc00', [0, 1, 2, 3, 10]], // a lone surrogate hashes as U+FFFD, the bytes Buffer.from writes
    ];
    for (const [key, expected] of pinned) expect([key, [2, 3, 4, 7, 16].map((count) => partitionForKey(key, count))]).toEqual([key, expected]);
    // With 2^32 partitions the partition is the hash itself: the published FNV-1a 32-bit test vectors.
    expect(['', 'a', 'foobar'].map((key) => partitionForKey(key, 2 ** 32))).toEqual([0x811c9dc5, 0xe40c292c, 0xbf9cf968]);
    expect(partitionForKey('anything', 1)).toBe(0);
  });

  it('deletes whole sealed segments by age in the background sweep, never the active one, and keeps a topic that sets its own age', async () => {
    const old = Date.now() - 10 * 24 * 3600 * 1000;
    const t = transport({ segmentBytes: 1024, retention: { maxAgeMs: 24 * 3600 * 1000, checkIntervalMs: 30, topics: { 'ret.kept': { maxAgeMs: 30 * 24 * 3600 * 1000 } } } });
    for (const topic of ['ret.age', 'ret.kept']) {
      for (let n = 0; n < 60; n += 3) await t.publish(Array.from({ length: 3 }, (_, i) => record(topic, n + i, { timestamp: old })));
    }
    const countLogs = (topic: string): number => readdirSync(join(dir, topic, '0')).filter((f) => f.endsWith('.log')).length;
    await waitFor('the sweep to delete ret.age\'s sealed segments', () => countLogs('ret.age') === 1, 20_000); // only the active one is left
    expect(countLogs('ret.kept')).toBeGreaterThan(2); // 10 days old, within its own 30: every segment is kept
    const subscription = await t.subscribe('ret.age', options);
    const first = await subscription[Symbol.asyncIterator]().next();
    expect((first.value as { offset: number }).offset).toBeGreaterThan(0); // starts at the first retained record
  });

  it('caps a topic by its size over all its partitions, deleting the oldest sealed segments first', async () => {
    const base = Date.now();
    const publishAll = async (t: LogTransport): Promise<void> => {
      // Partition 0 is written first, partition 1 after it: partition 0's segments are the oldest.
      for (const partition of [0, 1]) {
        const key = [...Array(50).keys()].map((k) => `k${k}`).find((k) => partitionForKey(k, 2) === partition)!;
        for (let n = 0; n < 60; n += 3) {
          await t.publish(Array.from({ length: 3 }, (_, i) => record('ret.size', partition * 1000 + n + i, { key, timestamp: base - 3_600_000 + partition * 60_000 + n })));
        }
      }
    };
    const segmentsOf = (root: string): { file: string; bytes: number }[][] =>
      [0, 1].map((p) => {
        const folder = join(root, 'ret.size', String(p));
        return readdirSync(folder).filter((f) => f.endsWith('.log')).sort().map((file) => ({ file, bytes: statSync(join(folder, file)).size }));
      });

    // The same records with no cap give the segments; the cap must delete exactly the oldest
    // sealed ones (all of partition 0's before any of partition 1's) until the topic fits.
    const uncapped = transport({ dir: join(dir, 'uncapped'), segmentBytes: 1024, partitions: 2 });
    await publishAll(uncapped);
    await uncapped.close();
    const all = segmentsOf(join(dir, 'uncapped'));
    const kept = all.map((segments) => [...segments]);
    let total = all.flat().reduce((sum, s) => sum + s.bytes, 0);
    for (const partition of kept) {
      while (total > 6000 && partition.length > 1) total -= partition.shift()!.bytes;
    }
    expect(kept[0]!.length).toBeLessThan(all[0]!.length); // the case deletes something
    expect(total).toBeLessThanOrEqual(6000);

    const capped = join(dir, 'capped');
    const sized = transport({ dir: capped, segmentBytes: 1024, partitions: 2, retention: { maxBytes: 6000, checkIntervalMs: 30 } });
    await publishAll(sized);
    await waitFor('the sweep to apply the size cap', () => segmentsOf(capped).flat().reduce((sum, s) => sum + s.bytes, 0) <= 6000, 20_000);
    await sized.close();
    expect(segmentsOf(capped)).toEqual(kept);
    const inspector = await LogInspector.open(capped);
    const d = inspector.describeTopic('ret.size');
    expect(d.bytes).toBe(total);
    expect(d.partitions.map((p) => [p.startOffset, p.endOffset, p.segments])).toEqual(kept.map((segments) => [Number(segments[0]!.file.slice(0, 20)), 60, segments.length]));
    expect(d.retention).toEqual({ maxAgeMs: 7 * 24 * 3600 * 1000, maxBytes: 6000, source: 'owner' });
    await inspector.close();
  });

  it('refuses retention options of earlier versions and bad retention values, saying what to write', async () => {
    const legacy = { retentionBytes: 1024 } as unknown as Partial<LogOptions>;
    await expect(transport(legacy).connect()).rejects.toMatchObject({ code: 'config', message: expect.stringContaining('retention: { maxBytes }') });
    await expect(transport({ retention: { topics: { 'a.b': { maxAgeMs: -1 } } } }).connect()).rejects.toMatchObject({
      code: 'config',
      message: expect.stringContaining("retention.topics['a.b'].maxAgeMs"),
    });
  });

  it('resets a group to a time in the process that just wrote the records, one publish each (read back through the cache of the last writes)', async () => {
    const t = transport();
    const base = 1_700_000_000_000;
    for (let n = 0; n < 10; n++) await t.publish([record('seek.t', n, { timestamp: base + n * 1000 })]);
    expect(await t.resetGroup('seek.t', 'g', { timestamp: base + 7000 })).toEqual([7]);
    expect(await t.resetGroup('seek.t', 'g', { timestamp: base + 9000 })).toEqual([9]);
    const subscription = await t.subscribe('seek.t', options);
    const next = await subscription[Symbol.asyncIterator]().next();
    expect((next.value as { offset: number }).offset).toBe(9);
  });

  it('resets a group to an offset and to a time (replay), in process and on a stopped dir', async () => {
    const t = transport();
    const base = 1_700_000_000_000;
    await t.publish(Array.from({ length: 100 }, (_, n) => record('replay.t', n, { timestamp: base + n * 1000 })));
    const subscription = await t.subscribe('replay.t', options);
    let seen = 0;
    for await (const d of subscription) {
      d.ack();
      if (++seen === 100) break;
    }
    expect(await t.resetGroup('replay.t', 'g', { offset: 40 })).toEqual([40]);
    const again = await t.subscribe('replay.t', options);
    const next = await again[Symbol.asyncIterator]().next();
    expect((next.value as { offset: number }).offset).toBe(40);
    (next.value as { ack(): void }).ack();
    await t.close();

    expect(await resetGroup(dir, 'replay.t', 'g', { timestamp: base + 75_500 })).toEqual([76]);
    const inspector = await LogInspector.open(dir);
    expect(inspector.listGroups('replay.t')).toEqual([
      expect.objectContaining({ group: 'g', topic: 'replay.t', lag: 24, partitions: [{ partition: 0, committed: 76, endOffset: 100, lag: 24 }] }),
    ]);
    expect((await inspector.readRecords('replay.t', { timestamp: base + 98_000 })).map((r) => r.offset)).toEqual([98, 99]);
    await inspector.close();
    const third = transport();
    const resumed = await third.subscribe('replay.t', options);
    expect(((await resumed[Symbol.asyncIterator]().next()).value as { offset: number }).offset).toBe(76);
  });

  it('describes topics for the CLI', async () => {
    const t = transport({ partitions: { 'desc.b': 2 } });
    await t.publish([record('desc.a', 1, { timestamp: 1_000_000 }), record('desc.b', 2, { key: 'x', timestamp: 2_000_000 })]);
    await t.close();
    const inspector = await LogInspector.open(dir);
    const topics = inspector.listTopics();
    expect(topics.map((d) => [d.name, d.partitions.length, d.records, d.oldestTimestamp])).toEqual([
      ['desc.a', 1, 1, 1_000_000],
      ['desc.b', 2, 1, 2_000_000],
    ]);
    expect(topics[0]!.bytes).toBeGreaterThan(0);
    expect(topics[0]!.retention.maxAgeMs).toBe(7 * 24 * 3600 * 1000);
    expect(() => inspector.describeTopic('nope')).toThrow(expect.objectContaining({ code: 'not_found' }) as Error);
    await inspector.close();
  });

  it('shows tools the retention the owning bus ran with', async () => {
    const t = transport({ retention: { maxAgeMs: 3 * 24 * 3600 * 1000, maxBytes: 1024 * 1024, topics: { 'kept.b': { maxBytes: 4096 } } } });
    await t.publish([record('kept.a', 1), record('kept.b', 2)]);
    await t.close();
    const inspector = await LogInspector.open(dir);
    expect(inspector.describeTopic('kept.a').retention).toEqual({ maxAgeMs: 3 * 24 * 3600 * 1000, maxBytes: 1024 * 1024, source: 'owner' });
    expect(inspector.describeTopic('kept.b').retention).toEqual({ maxAgeMs: 3 * 24 * 3600 * 1000, maxBytes: 4096, source: 'owner' });
    await inspector.close();
    // No owner recorded one (a dir written by an earlier version): the inspector's own options.
    fs.rmSync(join(dir, '.retention.json'));
    const own = await LogInspector.open(dir, { retention: { maxAgeMs: 1000 } });
    expect(own.describeTopic('kept.b').retention).toEqual({ maxAgeMs: 1000, maxBytes: Infinity, source: 'inspector' });
    await own.close();
  });

  it('creates files 0600 and folders 0700, and refuses topics that would leave the data dir', async () => {
    const t = transport();
    await t.publish([record('perm.t', 1)]);
    const subscription = await t.subscribe('perm.t', options);
    void subscription;
    await t.commit();
    const mode = (path: string): number => statSync(path).mode & 0o777;
    expect(mode(join(dir, 'perm.t'))).toBe(0o700);
    expect(mode(join(dir, 'perm.t', '0'))).toBe(0o700);
    expect(mode(join(dir, 'perm.t', '0', '00000000000000000000.log'))).toBe(0o600);
    expect(mode(join(dir, 'perm.t', '0', '00000000000000000000.index'))).toBe(0o600);
    expect(mode(join(dir, 'perm.t', 'topic.json'))).toBe(0o600);
    expect(mode(join(dir, 'perm.t', 'groups', 'g.offsets'))).toBe(0o600);
    expect(mode(join(dir, '.lock'))).toBe(0o600);
    for (const bad of ['../escape', '..', '/etc/passwd', 'a/../../b', '.hidden']) {
      await expect(t.publish([record(bad, 1)])).rejects.toMatchObject({ code: 'invalid_topic' });
    }
  });

  it('registers the log: scheme', async () => {
    const resolved = await resolveTransport(`log:${dir}`);
    expect(resolved).toBeInstanceOf(LogTransport);
    expect((resolved as LogTransport).options.dir).toBe(dir);
    await resolved.close();
    // HOPBUS_TRANSPORT picks the log in place of the configured transport.
    const bus = await createBus({ transport: 'memory:', env: { HOPBUS_TRANSPORT: `log:${join(dir, 'from-env')}` }, logger: silentLogger });
    expect(bus.transport).toBeInstanceOf(LogTransport);
    await bus.publish(topic<{ n: number }>('env.t'), { n: 1 });
    await bus.stop();
    expect(readdirSync(join(dir, 'from-env', 'env.t', '0'))).toContain('00000000000000000000.log');
  });

  it('redelivers a nacked record on time when the wall clock steps back', async () => {
    const t = transport();
    await t.publish([record('late.t', 1)]);
    const iterator = (await t.subscribe('late.t', options))[Symbol.asyncIterator]();
    const first = (await iterator.next()).value!;
    first.nack(200);
    // The wall clock steps an hour back (NTP, a resumed VM): redelivery times are on the
    // monotonic clock, so the record still comes back after 200 ms, not after an hour.
    const realNow = Date.now.bind(Date);
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => realNow() - 3_600_000);
    try {
      const again = await Promise.race([iterator.next().then((r) => r.value), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 3000))]);
      expect(again?.offset).toBe(0);
      expect(again?.deliveryCount).toBe(2);
      again!.ack();
    } finally {
      spy.mockRestore();
    }
  });

  it('syncs on an interval with fsync interval, and publishes after close fail', async () => {
    const t = transport({ fsync: 'interval', fsyncIntervalMs: 10 });
    await Promise.all(Array.from({ length: 100 }, (_, n) => t.publish([record('interval.t', n)])));
    await t.close();
    const inspector = await LogInspector.open(dir);
    expect(inspector.describeTopic('interval.t').records).toBe(100);
    await inspector.close();
    await expect(t.publish([record('interval.t', 1)])).rejects.toMatchObject({ code: 'transport_closed' });
  });
});

describe('the data dir lock', () => {
  beforeAll(() => ensureBuilt(), 60_000);

  it('refuses a second process with code locked naming the owner, and takes over a stale lock', async () => {
    const { dir, remove } = tempDir('lock');
    try {
      const owner = spawn(process.execPath, [join(fixturesDir, 'lockChild.mjs'), dir], { stdio: ['pipe', 'pipe', 'inherit'] });
      const ownerLines = createInterface({ input: owner.stdout })[Symbol.asyncIterator]();
      expect((await ownerLines.next()).value).toBe('open');

      // In this process.
      const here = new LogTransport({ dir });
      const error = await here.connect().then(() => undefined, (e: unknown) => e);
      expect(HopbusError.hasCode(error, 'locked')).toBe(true);
      expect((error as Error).message).toContain(`process ${owner.pid}`);

      // In another process.
      const second = spawn(process.execPath, [join(fixturesDir, 'lockChild.mjs'), dir], { stdio: ['pipe', 'pipe', 'inherit'] });
      const secondLine = (await createInterface({ input: second.stdout })[Symbol.asyncIterator]().next()).value as string;
      expect(secondLine).toMatch(new RegExp(`^error locked .*process ${owner.pid}`));
      second.stdin.end();

      // The owner dies without cleaning up: its lock is stale and taken over.
      owner.kill('SIGKILL');
      await new Promise((resolve) => owner.on('exit', resolve));
      const events: string[] = [];
      const taker = new LogTransport({ dir, onRecovery: (e) => events.push(e.kind) });
      await taker.connect();
      expect(events).toContain('stale_lock');
      await taker.close();
    } finally {
      remove();
    }
  });

  it('takes over a lock whose pid now belongs to another process (a reboot, or a pid reused since)', async () => {
    const { dir, remove } = tempDir('reused');
    const stranger = spawn('sleep', ['30']); // alive, but not the process that wrote the lock
    try {
      await new Promise((resolve) => stranger.once('spawn', resolve));
      const bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      const stat = fs.readFileSync(`/proc/${stranger.pid}/stat`, 'utf8');
      const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
      const lock = join(dir, '.lock');
      const events: string[] = [];
      const open = async (): Promise<unknown> => {
        const t = new LogTransport({ dir, onRecovery: (e) => events.push(e.kind) });
        const error = await t.connect().then(() => undefined, (e: unknown) => e);
        await t.close();
        return error;
      };
      // The lock names the stranger exactly (same boot, same start time): it is the owner.
      fs.writeFileSync(lock, `${stranger.pid} ${bootId} ${startTime}\n`);
      expect(HopbusError.hasCode(await open(), 'locked')).toBe(true);
      // Written by an earlier process with that pid (another start time): stale.
      fs.writeFileSync(lock, `${stranger.pid} ${bootId} ${Number(startTime) - 100}\n`);
      expect(await open()).toBeUndefined();
      expect(events).toEqual(['stale_lock']);
      // Written before a reboot: stale.
      fs.writeFileSync(lock, `${stranger.pid} 00000000-0000-4000-8000-000000000000 ${startTime}\n`);
      expect(await open()).toBeUndefined();
      expect(events).toEqual(['stale_lock', 'stale_lock']);
      // A lock of ours records the same three fields.
      const t = new LogTransport({ dir });
      await t.connect();
      const mine = fs.readFileSync(lock, 'utf8').trim().split(' ');
      expect(mine[0]).toBe(String(process.pid));
      expect(mine[1]).toBe(bootId);
      expect(mine[2]).toMatch(/^\d+$/);
      await t.close();
    } finally {
      stranger.kill('SIGKILL');
      remove();
    }
  });
});
