import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './support/runCli.js';
import { tempDir } from './support/tempDir.js';
import { consume, record, writeLog } from './support/writeLog.js';

const hundredRecords = Array.from({ length: 100 }, (_, n) => record('orders', n, { key: `k${n % 7}` }));

describe('hopbus log verify / repair', () => {
  it('verify passes a clean log with a summary line', async () => {
    const { dir, remove } = tempDir('verify-clean');
    try {
      await writeLog(dir, hundredRecords, { segmentBytes: 1024 });
      const result = await runCli(['log', 'verify', dir]);
      expect(result).toEqual({ code: 0, stderr: '', stdout: expect.stringMatching(/^ok: 1 topic, \d+ segments, [\d.]+ KiB checked, no corruption\n$/) as unknown });
    } finally {
      remove();
    }
  });

  it('verify finds a flipped byte in a sealed segment (exit 2); repair cuts there; verify is clean again', async () => {
    const { dir, remove } = tempDir('verify-corrupt');
    try {
      await writeLog(dir, hundredRecords, { segmentBytes: 1024 });
      const partition = join(dir, 'orders', '0');
      const segments = readdirSync(partition).filter((f) => f.endsWith('.log')).sort();
      expect(segments.length).toBeGreaterThan(3);
      const sealed = join(partition, segments[1]!);
      const bytes = readFileSync(sealed);
      bytes[200] = bytes[200]! ^ 0xff;
      writeFileSync(sealed, bytes);

      const verify = await runCli(['log', 'verify', dir]);
      expect(verify.code).toBe(2);
      const lines = verify.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(new RegExp(`^corrupt: orders/0/${segments[1]} at byte \\d+: `));
      expect(lines.at(-1)).toMatch(/^corrupt: 1 corrupt place in 1 topic, \d+ segments, [\d.]+ KiB checked\. Run hopbus log repair .* with the bus stopped/);
      const json = JSON.parse((await runCli(['log', 'verify', dir, '--json'])).stdout) as { ok: boolean; problems: { kind: string }[] };
      expect(json.ok).toBe(false);
      // Inspection of a corrupt log stops with the engine's one-line advice.
      const topics = await runCli(['log', 'topics', dir]);
      expect(topics.code).toBe(1);
      expect(topics.stderr).toMatch(/^hopbus: The log file .* is corrupt at byte \d+: .*Run repairLog \(hopbus log repair\)/);
      expect(topics.stderr.trimEnd().split('\n')).toHaveLength(1);

      const repair = await runCli(['log', 'repair', dir]);
      expect(repair.code).toBe(0);
      expect(repair.stdout).toMatch(new RegExp(`^truncated: orders/0/${segments[1]}: .*\\n`));
      expect(repair.stdout).toMatch(/repaired: \d+ actions?; the log verifies clean\n$/);

      expect((await runCli(['log', 'verify', dir])).code).toBe(0);
      // The records after the flipped byte in that segment are gone; later segments stay (a gap in offsets).
      const kept = (await runCli(['log', 'tail', dir, 'orders', '--from', 'earliest', '--limit', '1000', '--json'])).stdout.trimEnd().split('\n');
      expect(kept.length).toBeLessThan(100);
      expect((JSON.parse(kept.at(-1)!) as { offset: number }).offset).toBe(99);
      expect((await runCli(['log', 'repair', dir])).stdout).toBe('nothing to repair; the log verifies clean\n');
    } finally {
      remove();
    }
  });

  it('draws a progress bar on stderr only when stderr is a TTY, and erases it', async () => {
    const { dir, remove } = tempDir('verify-tty');
    try {
      await writeLog(dir, hundredRecords, { segmentBytes: 1024 });
      // Short work draws nothing: the bar waits 300 ms before it shows.
      expect((await runCli(['log', 'verify', dir], { stderrIsTTY: true })).stderr).toBe('');
      expect((await runCli(['log', 'verify', dir], { stderrIsTTY: false })).stderr).toBe('');
    } finally {
      remove();
    }
  });

  it('repair draws a bar while it repairs, then one while it verifies, erasing each', async () => {
    const { dir, remove } = tempDir('repair-tty');
    try {
      await writeLog(dir, hundredRecords, { segmentBytes: 1024 });
      // The bar counts work as long once 300 ms have passed since it was made: a clock that moves
      // a second at each reading makes every update of this repair late enough to draw.
      let now = Date.now();
      const clock = jest.spyOn(Date, 'now').mockImplementation(() => (now += 1000));
      let result;
      try {
        result = await runCli(['log', 'repair', dir], { stderrIsTTY: true });
      } finally {
        clock.mockRestore();
      }
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('nothing to repair; the log verifies clean\n');
      const draws = result.stderr.split('\r').filter((text) => text !== '');
      for (const draw of draws) expect(draw).toMatch(/^((repairing|verifying) \[[= ]{30}\] +\d+% .*)?\x1b\[K$/);
      const phases = draws.map((draw) => draw.split(' ')[0]!).filter((label, i, all) => i === 0 || label !== all[i - 1]);
      expect(phases).toEqual(['repairing', '\x1b[K', 'verifying', '\x1b[K']);
      expect(result.stderr).toMatch(/\rrepairing \[={30}\] 100% /);
    } finally {
      remove();
    }
  });
});

describe('hopbus log replay', () => {
  it('moves a group back; the group then re-reads from there', async () => {
    const { dir, remove } = tempDir('replay');
    try {
      await writeLog(dir, hundredRecords.slice(0, 10));
      expect(await consume(dir, 'orders', 'billing', 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect((await runCli(['log', 'groups', dir])).stdout).toMatch(/orders\s+billing\s+0\s+10\s+10\s+0\s/);

      const replay = await runCli(['log', 'replay', dir, 'orders', 'billing', '--to-offset', '4']);
      expect(replay).toEqual({
        code: 0,
        stderr: '',
        stdout: 'PARTITION  FROM  TO\n0          10    4\nmoved group billing of orders; it reads from there when the bus starts again\n',
      });
      expect((await runCli(['log', 'groups', dir])).stdout).toMatch(/orders\s+billing\s+0\s+4\s+10\s+6\s/);
      expect(await consume(dir, 'orders', 'billing', 6)).toEqual([4, 5, 6, 7, 8, 9]);

      const byTime = await runCli(['log', 'replay', dir, 'orders', 'billing', '--to-time', '2025-06-01T12:00:02Z']);
      expect(byTime.stdout).toMatch(/^PARTITION\s+FROM\s+TO\n0\s+10\s+2\n/);
      expect((await runCli(['log', 'replay', dir, 'orders', 'billing', '--to-earliest'])).stdout).toMatch(/\n0\s+2\s+0\n/);
    } finally {
      remove();
    }
  });

  it('asks for exactly one target, and names unknown topics before taking the lock', async () => {
    const { dir, remove } = tempDir('replay-usage');
    try {
      await writeLog(dir, hundredRecords.slice(0, 2));
      expect(await runCli(['log', 'replay', dir, 'orders', 'g'])).toEqual({
        code: 1,
        stdout: '',
        stderr: 'hopbus: Say where to move the group with exactly one of --to-offset <n>, --to-time <iso>, --to-earliest, --to-latest.\n',
      });
      const unknown = await runCli(['log', 'replay', dir, 'nope', 'g', '--to-earliest']);
      expect(unknown.stderr).toMatch(/^hopbus: There is no topic nope in .*\. Known topics: orders\.\n$/);
    } finally {
      remove();
    }
  });
});

describe('a log locked by a live process', () => {
  let owner: ChildProcess;
  const { dir, remove } = tempDir('locked');
  beforeAll(async () => {
    await writeLog(dir, hundredRecords.slice(0, 3));
    owner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await new Promise((resolve) => owner.once('spawn', resolve));
    writeFileSync(join(dir, '.lock'), `${owner.pid}\n`);
  });
  afterAll(() => {
    owner.kill();
    remove();
  });

  it('replay and repair refuse with the owner pid in one line; nothing moves', async () => {
    for (const args of [['log', 'replay', dir, 'orders', 'g', '--to-offset', '0', '--create'], ['log', 'repair', dir]]) {
      const result = await runCli(args);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(`hopbus: The log data dir ${dir} is in use by process ${owner.pid}. One process owns a data dir: stop the owner, or give this process its own dir.\n`);
    }
    expect((await runCli(['log', 'groups', dir])).stdout).toMatch(/^No consumer groups/);
  });

  it('inspection and verify still work read-only', async () => {
    expect((await runCli(['log', 'topics', dir])).stdout).toMatch(/\norders\s+1\s+3\s/);
    expect((await runCli(['log', 'verify', dir])).code).toBe(0);
  });
});
