import fc from 'fast-check';
import type { FsyncPolicy } from '@hopbus/log';
import type { CutMode } from './support/DurableTree.js';
import { bootUntilPowerCut, brokenPromises, newLedger, onCrashDisk } from './support/powerLossRun.js';

/** Boots of one run: the power goes at the given changing file call of each (or after its work), with cuts thrown away or torn. */
interface Run {
  readonly seed: number;
  readonly mode: CutMode;
  readonly cuts: readonly number[];
}

const runs = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  mode: fc.constantFrom<CutMode>('drop', 'tear'),
  cuts: fc.array(fc.integer({ min: 1, max: 130 }), { minLength: 1, maxLength: 3 }),
});

/** Runs the boots of `run` under `fsync` on a fresh dir; the promises broken after the last cut. */
async function promisesBrokenBy(run: Run, fsync: FsyncPolicy): Promise<string[]> {
  return onCrashDisk(run.seed, run.mode, async (crash, dir) => {
    const options = { fsync, segmentBytes: 2048, indexIntervalBytes: 256 };
    const ledger = newLedger();
    for (const [boot, cutAt] of run.cuts.entries()) await bootUntilPowerCut(crash, dir, { options, cutAt, records: 12, label: `b${boot}` }, ledger);
    return brokenPromises(crash, dir, ledger, options);
  });
}

describe('power loss, simulated', () => {
  it("fsync 'always': a power cut anywhere loses no acknowledged record and no committed group position", async () => {
    await fc.assert(
      fc.asyncProperty(runs, async (run) => {
        expect(await promisesBrokenBy(run, 'always')).toEqual([]);
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it("tells: the same property fails under fsync 'never', which acknowledges records before they are synced", async () => {
    const broken: string[][] = [];
    for (let seed = 1; seed <= 3; seed++) broken.push(await promisesBrokenBy({ seed, mode: 'drop', cuts: [1000] }, 'never'));
    for (const problems of broken) expect(problems.join('\n')).toMatch(/acknowledged records/);
  });
});
