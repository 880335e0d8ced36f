import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LogTransport } from '@hopbus/log';
import { ensureBuilt, fixturesDir } from './support/ensureBuilt.js';
import { tempDir } from './support/tempDir.js';

interface Run {
  readonly lines: string[];
  readonly killed: boolean;
}

/** Runs the poison child until it dies, or until `enough(lines)` says it may stop cleanly. */
function runChild(dir: string, maxDeliveries: number, handlers: string, enough: (lines: readonly string[]) => boolean): Promise<Run> {
  const child = spawn(process.execPath, [join(fixturesDir, 'poisonChild.mjs'), dir, String(maxDeliveries), handlers], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    if (enough(lines)) child.stdin.end();
  });
  return new Promise((resolve) => child.on('exit', (_code, signal) => resolve({ lines, killed: signal === 'SIGKILL' })));
}

describe('a message whose handler kills the process', () => {
  beforeAll(() => ensureBuilt());

  // Async handlers, four at once: several deliveries are out when the poison kills, and each of them counts that run.
  it.each(['sync', 'async'])('is counted across restarts and dead-lettered after maxDeliveries, and every other message is handled (%s handlers)', async (handlers) => {
    const { dir, remove } = tempDir('crashloop');
    try {
      const jobs = Array.from({ length: 10 }, (_, n) => ({ n, poison: n === 3 }));
      const seed = new LogTransport({ dir });
      await seed.publish(jobs.map((job) => ({ id: `job-${job.n}`, topic: 'loop.jobs', headers: {}, data: Buffer.from(JSON.stringify(job)), timestamp: Date.now() })));
      await seed.close();

      const maxDeliveries = 3;
      const handled = new Set<number>();
      const poisonCounts: number[] = [];
      let dead: string | undefined;
      const runs: Run[] = [];
      const finished = (lines: readonly string[]): boolean => {
        for (const line of lines) {
          const [what, n, extra] = line.split(' ');
          if (what === 'call' && n !== '3') handled.add(Number(n));
          if (what === 'dead') dead = `${n} ${extra}`;
        }
        return dead !== undefined && handled.size === 9;
      };
      for (let run = 0; run < 10 && !(dead !== undefined && handled.size === 9); run++) {
        const result = await runChild(dir, maxDeliveries, handlers, finished);
        runs.push(result);
        for (const line of result.lines) if (line.startsWith('call 3 ')) poisonCounts.push(Number(line.split(' ')[2]));
      }
      expect(dead).toBe('3 max_deliveries');
      expect([...handled].sort((a, b) => a - b)).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
      // The poison ran at most maxDeliveries times (plus the runs that died before its count could grow), and its count grew.
      expect(poisonCounts.length).toBeLessThanOrEqual(maxDeliveries + 2);
      expect(Math.max(...poisonCounts)).toBe(maxDeliveries);
      expect(runs.at(-1)!.killed).toBe(false);
    } finally {
      remove();
    }
  }, 60_000);
});
