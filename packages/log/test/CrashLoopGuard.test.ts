import { join } from 'node:path';
import { CrashLoopGuard } from '../src/CrashLoopGuard.js';
import { nodeFileSystem } from '../src/FileSystem.js';
import type { FileSystem } from '../src/FileSystem.js';
import { readGroupHeads } from '../src/groupHeadsFile.js';
import type { GroupHeads } from '../src/groupHeadsFile.js';
import { waitUntil } from '@hopbus/testing';
import { tempDir } from './support/tempDir.js';

const epoch = 'e-1';
/** Every guard a test made: closed after it, so that no write is left in flight over a removed folder. */
const made: CrashLoopGuard[] = [];

/** A guard over a real heads file, with the group's positions and its wake-ups in the test's hands. */
function guardOf(dir: string, committed: number[], previous?: GroupHeads, fs: FileSystem = nodeFileSystem) {
  const path = join(dir, 'g.heads');
  const positions = { now: [...committed] };
  let recorded = 0;
  const guard = new CrashLoopGuard(fs, path, committed, epoch, previous, () => positions.now, () => recorded++);
  made.push(guard);
  return {
    guard,
    positions,
    recorded: () => recorded,
    heads: (readEpoch = epoch) => readGroupHeads(nodeFileSystem, path, readEpoch),
  };
}

/** Hands a record out as a group does: asks, and once told to wait, waits for the recording. */
async function handOut(guard: CrashLoopGuard, partition: number, offset: number, recorded: () => number): Promise<number> {
  if (!guard.mayHandOut(partition, offset)) {
    const before = recorded();
    await waitUntil('the hand-out recorded', () => recorded() > before);
    expect(guard.mayHandOut(partition, offset)).toBe(true);
  }
  return guard.handedOut(partition, offset);
}

/** Hands out many records at once, as a consumer with a wide pull window does; their counts. */
async function handOutAll(guard: CrashLoopGuard, partition: number, offsets: readonly number[]): Promise<number[]> {
  const waiting = offsets.filter((offset) => !guard.mayHandOut(partition, offset));
  await waitUntil('every hand-out recorded', () => waiting.every((offset) => guard.mayHandOut(partition, offset)));
  return offsets.map((offset) => guard.handedOut(partition, offset));
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

const crashedWith = (committed: number, suspects: { offset: number; runs: number; out: boolean }[], clean = false): GroupHeads => ({
  partitions: [{ committed, suspects }],
  clean,
  epoch,
});

describe('CrashLoopGuard', () => {
  let dir: string;
  let remove: () => void;
  beforeEach(() => ({ dir, remove } = tempDir('guard')));
  afterEach(async () => {
    await Promise.all(made.splice(0).map((guard) => guard.close([])));
    remove();
  });

  it('records the first record each partition hands out before it goes, and nothing more while none crashed', async () => {
    const { guard, heads, recorded } = guardOf(dir, [5, 0]);
    await guard.open();
    expect(heads()).toEqual({ clean: false, epoch, partitions: [{ committed: 5, suspects: [] }, { committed: 0, suspects: [] }] });
    expect(guard.mayHandOut(0, 5)).toBe(false); // the head: recorded first
    expect(guard.mayHandOut(0, 5)).toBe(false); // still being recorded
    await waitUntil('the head recorded', () => recorded() >= 2);
    expect(guard.mayHandOut(0, 5)).toBe(true);
    expect(guard.handedOut(0, 5)).toBe(1);
    expect(heads()?.partitions[0]).toEqual({ committed: 5, suspects: [{ offset: 5, runs: 0, out: true }] });
    // Behind the head, and the other partition's non-head records: no recording, no wait.
    expect(guard.mayHandOut(0, 6)).toBe(true);
    expect(guard.mayHandOut(1, 3)).toBe(true);
    expect(guard.handedOut(0, 6)).toBe(1);
    const writes = recorded();
    guard.settled(0, 6);
    guard.settled(0, 5);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(recorded()).toBe(writes); // settles in a partition that is not careful write nothing
  });

  it('opens a partition careful after a crash with a record out: counts one more run, records every hand-out and every settle', async () => {
    const previous = crashedWith(10, [{ offset: 10, runs: 1, out: true }, { offset: 12, runs: 0, out: true }, { offset: 13, runs: 2, out: false }]);
    const { guard, heads, recorded, positions } = guardOf(dir, [10], previous);
    await guard.open();
    // Out at the crash: one more run each; not out (an earlier crash's): as it was.
    expect(heads()?.partitions[0]?.suspects).toEqual([
      { offset: 10, runs: 2, out: false },
      { offset: 12, runs: 1, out: false },
      { offset: 13, runs: 2, out: false },
    ]);
    expect(await handOut(guard, 0, 10, recorded)).toBe(3);
    expect(await handOut(guard, 0, 11, recorded)).toBe(1); // careful: recorded too
    expect(heads()?.partitions[0]?.suspects).toEqual([
      { offset: 10, runs: 2, out: true },
      { offset: 11, runs: 0, out: true },
      { offset: 12, runs: 1, out: false },
      { offset: 13, runs: 2, out: false },
    ]);
    // A record already out is not recorded again.
    expect(guard.mayHandOut(0, 10)).toBe(true);
    const before = recorded();
    guard.settled(0, 10);
    positions.now = [11];
    await waitUntil('the hand-out recorded', () => recorded() > before);
    expect(heads()?.partitions[0]).toEqual({
      committed: 11,
      suspects: [
        { offset: 11, runs: 0, out: true },
        { offset: 12, runs: 1, out: false },
        { offset: 13, runs: 2, out: false },
      ],
    });
  });

  it('holds back no record for another still out: a consumer holding many gets them all, each counted', async () => {
    const previous = crashedWith(0, [{ offset: 0, runs: 0, out: true }, { offset: 1, runs: 0, out: true }]);
    const { guard, recorded } = guardOf(dir, [0], previous);
    await guard.open();
    const counts = await handOutAll(guard, 0, range(0, 50));
    expect(recorded()).toBeLessThan(10); // recorded together, not one write per record
    expect(counts.slice(0, 3)).toEqual([2, 2, 1]);
    expect(counts.slice(2).every((count) => count === 1)).toBe(true);
  });

  it('carries what a clean close handed back with its counts, without opening careful', async () => {
    const previous = crashedWith(3, [{ offset: 3, runs: 2, out: false }, { offset: 4, runs: 1, out: false }], true);
    const { guard, heads, recorded } = guardOf(dir, [3], previous);
    await guard.open();
    expect(heads()?.partitions[0]?.suspects).toEqual([{ offset: 3, runs: 2, out: false }, { offset: 4, runs: 1, out: false }]);
    expect(await handOut(guard, 0, 3, recorded)).toBe(3); // the head, recorded
    const before = recorded();
    expect(guard.mayHandOut(0, 4)).toBe(true); // not careful: no recording
    expect(guard.handedOut(0, 4)).toBe(2);
    expect(recorded()).toBe(before);
  });

  it('counts no crash after a clean close, whatever its heads say was out', async () => {
    const previous = crashedWith(0, [{ offset: 0, runs: 1, out: true }], true);
    const { guard, recorded } = guardOf(dir, [0], previous);
    await guard.open();
    expect(await handOut(guard, 0, 0, recorded)).toBe(2);
    const before = recorded();
    expect(guard.mayHandOut(0, 1)).toBe(true); // not careful
    expect(recorded()).toBe(before);
  });

  it('drops what is below the committed position or never crashed a run', async () => {
    const previous = crashedWith(5, [{ offset: 2, runs: 4, out: true }, { offset: 6, runs: 0, out: false }, { offset: 7, runs: 0, out: true }]);
    const { guard, heads } = guardOf(dir, [5], previous);
    await guard.open();
    expect(heads()?.partitions[0]?.suspects).toEqual([{ offset: 7, runs: 1, out: false }]);
    expect(guard.handedOut(0, 2)).toBe(1);
    expect(guard.handedOut(0, 6)).toBe(1);
  });

  /** A guard opened careful by a crash with `suspect` out, that has handed out and settled [0, settles). */
  async function carefulAfterSettles(suspect: number, settles: number): Promise<CrashLoopGuard> {
    const { guard } = guardOf(dir, [0], crashedWith(0, [{ offset: suspect, runs: 0, out: true }]));
    await guard.open();
    await handOutAll(guard, 0, range(0, settles));
    for (const offset of range(0, settles)) guard.settled(0, offset);
    return guard;
  }

  it('goes back to normal once a careful partition has settled 1,024 records and its crash suspects', async () => {
    const guard = await carefulAfterSettles(0, 1023);
    expect(guard.mayHandOut(0, 1023)).toBe(false); // the 1,024th settle is still to come: recorded
    await waitUntil('the hand-out recorded', () => guard.mayHandOut(0, 1023));
    guard.settled(0, 1023);
    expect(guard.mayHandOut(0, 1024)).toBe(true); // normal: no recording
  });

  it('stays careful past 1,024 settles while a crash suspect is not settled', async () => {
    const guard = await carefulAfterSettles(5000, 1030);
    expect(guard.mayHandOut(0, 1030)).toBe(false);
  });

  it('forgets every hand-out at a reset, under the new epoch, and records the new head again', async () => {
    const previous = crashedWith(0, [{ offset: 0, runs: 3, out: true }]);
    const { guard, heads, recorded } = guardOf(dir, [0], previous);
    await guard.open();
    expect(guard.handedOut(0, 0)).toBe(5);
    const before = recorded();
    guard.reset([20], 'e-2');
    await waitUntil('the hand-out recorded', () => recorded() > before);
    expect(heads('e-2')).toEqual({ clean: false, epoch: 'e-2', partitions: [{ committed: 0, suspects: [] }] });
    expect(guard.handedOut(0, 0)).toBe(1);
    expect(guard.mayHandOut(0, 0)).toBe(true); // not careful any more
    expect(guard.mayHandOut(0, 20)).toBe(false); // the new head
  });

  it('writes a clean close with what was handed back and how often each was delivered', async () => {
    const { guard, heads, positions } = guardOf(dir, [0]);
    await guard.open();
    positions.now = [2];
    await guard.close([
      { partition: 0, offset: 4, deliveryCount: 2 },
      { partition: 0, offset: 3, deliveryCount: 1 },
      { partition: 0, offset: 1, deliveryCount: 9 }, // below the committed position: dropped
    ]);
    expect(heads()).toEqual({ clean: true, epoch, partitions: [{ committed: 2, suspects: [{ offset: 3, runs: 1, out: false }, { offset: 4, runs: 2, out: false }] }] });
  });

  it('joins calls made before a write starts into that write, and writes again for calls made after', async () => {
    let writes = 0;
    const counting: FileSystem = { ...nodeFileSystem, rename: async (from, to) => (writes++, nodeFileSystem.rename(from, to)) };
    const previous = crashedWith(0, [{ offset: 0, runs: 0, out: true }]);
    const { guard, recorded, heads } = guardOf(dir, [0], previous, counting);
    const opened = guard.open(); // not started before the next microtask: the calls below join it
    for (let offset = 0; offset < 10; offset++) expect(guard.mayHandOut(0, offset)).toBe(false);
    await opened;
    for (let offset = 0; offset < 10; offset++) expect(guard.mayHandOut(0, offset)).toBe(true);
    expect(heads()?.partitions[0]?.suspects).toHaveLength(10);
    // One write started and in flight: the calls made meanwhile share the next one.
    expect(guard.mayHandOut(0, 10)).toBe(false);
    await Promise.resolve();
    expect(guard.mayHandOut(0, 11)).toBe(false);
    expect(guard.mayHandOut(0, 12)).toBe(false);
    await waitUntil('the second write', () => [10, 11, 12].every((offset) => guard.mayHandOut(0, offset)));
    expect(heads()?.partitions[0]?.suspects).toHaveLength(13);
    await guard.close([]); // after every write queued: none is left to come
    expect(writes).toBe(4);
    expect(recorded()).toBe(4);
  });

  it('lets consumption go on when the heads cannot be written', async () => {
    const failing: FileSystem = { ...nodeFileSystem, open: async () => Promise.reject(Object.assign(new Error('EIO'), { code: 'EIO' })) };
    const previous = crashedWith(0, [{ offset: 0, runs: 1, out: true }]);
    const { guard, recorded } = guardOf(dir, [0], previous, failing);
    await guard.open();
    expect(recorded()).toBe(1);
    expect(await handOut(guard, 0, 0, recorded)).toBe(3);
    expect(await handOut(guard, 0, 1, recorded)).toBe(1);
  });

  it('takes the larger of the saved offsets and the recorded heads as committed at open', () => {
    const previous: GroupHeads = { clean: false, epoch, partitions: [{ committed: 7, suspects: [] }, { committed: 1, suspects: [] }] };
    expect(CrashLoopGuard.committedAtOpen([5, 4, 2], previous)).toEqual([7, 4, 2]);
    expect(CrashLoopGuard.committedAtOpen([5, 4], undefined)).toEqual([5, 4]);
  });
});
