import fs from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OutgoingRecord } from '@hopbus/core';
import { LogGroup } from '../src/LogGroup.js';
import { LogPartition } from '../src/LogPartition.js';
import { LogStore } from '../src/LogStore.js';
import { transportsPerTest } from './support/transportsPerTest.js';

/** Linux's O_DSYNC in the octal flags of /proc/self/fdinfo. */
const oDsync = 0o10000;

function record(topic: string, n: number): OutgoingRecord {
  return { id: `id-${n}`, topic, headers: {}, data: Buffer.from(`{"n":${n}}`), timestamp: Date.now() };
}

/** Number of batches in a segment file: each starts with the length of what follows it. */
function batchesIn(path: string): number {
  const bytes = readFileSync(path);
  let count = 0;
  for (let at = 0; at < bytes.length; at += 4 + bytes.readUInt32LE(at)) count++;
  return count;
}

function openFlags(fd: number): number {
  const line = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n').find((l) => l.startsWith('flags:'));
  return Number.parseInt(line!.slice('flags:'.length).trim(), 8);
}

function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const check = (): void => {
      if (condition()) resolve(true);
      else if (Date.now() > deadline) resolve(false);
      else setTimeout(check, 5);
    };
    check();
  });
}

describe('the log write path', () => {
  const logs = transportsPerTest('write-path');
  const transport = logs.transport;
  let dir: string;
  beforeEach(() => (dir = logs.dir()));
  afterEach(() => jest.restoreAllMocks());

  it('group-commits 1,000 concurrent publishes into a few synced writes under fsync always', async () => {
    const t = transport({ fsync: 'always' });
    await t.publish([record('commit.t', 0)]); // creates the topic and its segment
    const writes = jest.spyOn(fs, 'writev');
    const syncs = jest.spyOn(fs, 'fdatasync');
    await Promise.all(Array.from({ length: 1000 }, (_, n) => t.publish([record('commit.t', n + 1)])));
    const segmentPath = join(dir, 'commit.t', '0', '00000000000000000000.log');
    const segmentWrites = writes.mock.calls.filter(([fd]) => fs.readlinkSync(`/proc/self/fd/${fd}`) === segmentPath);
    // One write per group commit, not per publish; each is its own sync (O_DSYNC) or is followed by one.
    expect(segmentWrites.length).toBeGreaterThanOrEqual(1);
    expect(segmentWrites.length).toBeLessThanOrEqual(4);
    const fd = segmentWrites[0]![0];
    const synced = (openFlags(fd) & oDsync) !== 0;
    if (!synced) expect(syncs.mock.calls.filter(([f]) => f === fd).length).toBe(segmentWrites.length);
    else expect(syncs).not.toHaveBeenCalled();
    await t.close();
    // On disk: the first publish's batch, then one batch per commit.
    expect(batchesIn(segmentPath)).toBe(1 + segmentWrites.length);
  });

  it('with fsync interval, acknowledges without waiting for a sync, and syncs on the timer without waiting for close', async () => {
    const syncs = jest.spyOn(fs, 'fdatasync');
    const syncsOf = (topic: string): number => {
      const segmentPath = join(dir, 'fast', topic, '0', '00000000000000000000.log');
      return syncs.mock.calls.filter(([fd]) => fs.readlinkSync(`/proc/self/fd/${fd}`) === segmentPath).length;
    };
    // A timer a minute away: the publishes resolve all the same.
    const slow = transport({ dir: join(dir, 'slow'), fsync: 'interval', fsyncIntervalMs: 60_000 });
    await Promise.all(Array.from({ length: 100 }, (_, n) => slow.publish([record('slow.t', n)])));
    expect(syncs).not.toHaveBeenCalled();

    const t = transport({ dir: join(dir, 'fast'), fsync: 'interval', fsyncIntervalMs: 50 });
    await Promise.all(Array.from({ length: 100 }, (_, n) => t.publish([record('interval.t', n)])));
    expect(await until(() => syncsOf('interval.t') > 0, 5000)).toBe(true);
    // Nothing written since: once the sync in flight is done, the next rounds of the timer do not
    // sync again. Counted in rounds of the timer (the store's sync()), not in wall-clock time.
    const rounds = jest.spyOn(LogStore.prototype, 'sync');
    expect(await until(() => rounds.mock.calls.length >= 2, 10_000)).toBe(true);
    await rounds.mock.results[1]!.value;
    const after = syncsOf('interval.t');
    expect(await until(() => rounds.mock.calls.length >= 8, 10_000)).toBe(true);
    await rounds.mock.results[7]!.value;
    expect(syncsOf('interval.t')).toBe(after);
  });

  it('never syncs on a timer with fsync never', async () => {
    // The retention sweep runs on the same period: its rounds show the store's timers have run.
    const t = transport({ fsync: 'never', fsyncIntervalMs: 10, retention: { checkIntervalMs: 10 } });
    const syncs = jest.spyOn(fs, 'fdatasync');
    const sweeps = jest.spyOn(LogStore.prototype, 'applyRetention');
    await Promise.all(Array.from({ length: 100 }, (_, n) => t.publish([record('never.t', n)])));
    const seen = sweeps.mock.calls.length;
    expect(await until(() => sweeps.mock.calls.length >= seen + 5, 10_000)).toBe(true);
    expect(syncs).not.toHaveBeenCalled();
  });

  it('wakes a consumer waiting at the tail by the append: no reads while it waits', async () => {
    const t = transport();
    const subscription = await t.subscribe('wake.t', { group: 'g', start: 'latest', maxInFlight: 10, ackTimeoutMs: 30_000 });
    const iterator = subscription[Symbol.asyncIterator]();
    const takes = jest.spyOn(LogGroup.prototype, 'takeNext');
    const next = iterator.next();
    // The consumer reaches the tail and waits: the group had nothing to hand it.
    expect(await until(() => takes.mock.results.some((taken) => taken.type === 'return' && taken.value === undefined), 10_000)).toBe(true);
    const reads = jest.spyOn(LogPartition.prototype, 'read');
    const fileReads = jest.spyOn(fs, 'read');
    let settled = false;
    void next.then(() => (settled = true));
    // Nothing may happen while it waits; a pause long enough for a poll to show, were there one.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    expect(reads).not.toHaveBeenCalled();
    expect(fileReads).not.toHaveBeenCalled();
    await t.publish([record('wake.t', 1)]);
    const first = await next;
    expect(first.done).toBe(false);
    if (!first.done) {
      expect(first.value.id).toBe('id-1');
      first.value.ack();
    }
    // The append woke it: one read, from the tail cache, not from the file.
    expect(reads.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(reads.mock.calls.length).toBeLessThanOrEqual(2);
    expect(fileReads).not.toHaveBeenCalled();
    await iterator.return?.();
  });
});
