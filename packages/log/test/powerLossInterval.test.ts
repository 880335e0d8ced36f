import fc from 'fast-check';
import { LogTransport } from '@hopbus/log';
import type { FsyncPolicy } from '@hopbus/log';
import { withFileSystem } from '../src/FileSystem.js';
import type { CutMode } from './support/DurableTree.js';
import { brokenPromises, newLedger, onCrashDisk, partitions, recordFor } from './support/powerLossRun.js';

/** Rounds of publishes, each followed or not by one interval of the test's clock; the power goes at `cutAt` (or after the work). */
interface WindowRun {
  readonly seed: number;
  readonly mode: CutMode;
  readonly cutAt: number;
  readonly intervals: readonly boolean[];
}

const fsyncIntervalMs = 100;

/**
 * Runs `run` under `fsync` on a fresh dir, the clock's intervals in the test's hands (only
 * setInterval is faked: the log's sync timer fires when the test says an interval passed). The
 * promises broken after the cut, where what must survive is every record acknowledged before an
 * interval whose sync then completed: all but the last window.
 */
async function windowBrokenBy(run: WindowRun, fsync: FsyncPolicy): Promise<string[]> {
  return onCrashDisk(run.seed, run.mode, async (crash, dir) => {
    const options = { fsync, fsyncIntervalMs, segmentBytes: 2048, commitIntervalMs: 3_600_000 };
    const ledger = newLedger();
    const powered = (): boolean => crash.boot === 0 && crash.poweredOn;
    let mustSurvive: string[] = [];
    crash.cutAtOperation(run.cutAt);
    const transport = new LogTransport(withFileSystem({ dir, partitions, onRecovery: () => undefined, ...options }, crash.fileSystem));
    try {
      await transport.connect();
      for (const [round, interval] of run.intervals.entries()) {
        await Promise.all(
          [0, 1, 2].map(async (i) => {
            const record = recordFor(ledger, `r${round}-${i}`, `k${i}`);
            await transport.publish([record]);
            if (powered()) ledger.acked.push(record.id);
          }),
        );
        if (!interval) continue;
        const before = [...ledger.acked];
        jest.advanceTimersByTime(fsyncIntervalMs);
        await crash.idle(); // the sync that interval started has completed, or the power went
        if (powered()) mustSurvive = before;
      }
    } catch (error) {
      if (powered()) throw error;
    }
    if (crash.boot === 0) await crash.powerCut();
    await transport.close().catch(() => undefined);
    return brokenPromises(crash, dir, ledger, options, mustSurvive);
  });
}

const windowRuns = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  mode: fc.constantFrom<CutMode>('drop', 'tear'),
  cutAt: fc.integer({ min: 1, max: 80 }),
  intervals: fc.array(fc.boolean(), { minLength: 3, maxLength: 10 }),
});

describe("power loss, simulated, under fsync 'interval'", () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['Date', 'hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout'] }));
  afterEach(() => jest.useRealTimers());

  it('loses at most its window: every record acknowledged before the last completed interval sync survives', async () => {
    await fc.assert(
      fc.asyncProperty(windowRuns, async (run) => {
        expect(await windowBrokenBy(run, 'interval')).toEqual([]);
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it("tells: the same property fails under fsync 'never'", async () => {
    for (let seed = 1; seed <= 3; seed++) {
      const problems = await windowBrokenBy({ seed, mode: 'drop', cutAt: 1000, intervals: [true, true, false] }, 'never');
      expect(problems.join('\n')).toMatch(/acknowledged records/);
    }
  });
});
