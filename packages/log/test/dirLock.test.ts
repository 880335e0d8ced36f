import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { HopbusError } from '@hopbus/core';
import { LogTransport } from '@hopbus/log';
import { DirLock } from '../src/DirLock.js';
import { ensureBuilt, fixturesDir } from './support/ensureBuilt.js';
import { tempDir } from './support/tempDir.js';

/** A boot id no machine has: a lock that names it was written before a reboot, so it is stale. */
const otherBoot = '00000000-0000-4000-8000-000000000000';

/** A child process of `fixture` on `dir`, with its stdout as a queue of lines. */
function child(fixture: string, dir: string): { process: ChildProcessWithoutNullStreams; nextLine: () => Promise<string>; exited: Promise<unknown> } {
  const proc = spawn(process.execPath, [join(fixturesDir, fixture), dir], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => {
    const next = await lines.next();
    if (next.done === true) throw new Error(`${fixture} ended without a line: ${stderr}`);
    return next.value;
  };
  return { process: proc, nextLine, exited };
}

/** What taking the lock of `dir` throws (the lock is released again when it is taken). */
function acquireError(dir: string, now?: () => number): unknown {
  try {
    DirLock.acquire(dir, undefined, now).release();
    return undefined;
  } catch (error) {
    return error;
  }
}

function lockLine(dir: string): string {
  return readFileSync(join(dir, '.lock'), 'utf8');
}

describe('the data dir lock, owner and races', () => {
  beforeAll(() => ensureBuilt(), 60_000);
  let dir: string;
  let remove: () => void;
  beforeEach(() => ({ dir, remove } = tempDir('dirlock')));
  afterEach(() => remove());

  it('keeps the new owner\'s lock when the owner it took over from closes', async () => {
    const old = new LogTransport({ dir });
    await old.connect();
    // The old owner's lock comes to look stale (as it does from another pid namespace): same
    // pid and token, another boot. A second transport in this process takes it over.
    const [pid, , started, token] = lockLine(dir).trim().split(' ');
    writeFileSync(join(dir, '.lock'), `${pid} ${otherBoot} ${started} ${token}\n`);
    const events: string[] = [];
    const taker = new LogTransport({ dir, onRecovery: (e) => events.push(e.kind) });
    await taker.connect();
    expect(events).toEqual(['stale_lock']);
    const takersLock = lockLine(dir);
    expect(takersLock.trim().split(' ')[3]).not.toBe(token);

    await old.close();
    expect(lockLine(dir)).toBe(takersLock);
    // Another process is still kept out.
    const other = child('lockChild.mjs', dir);
    expect(await other.nextLine()).toMatch(new RegExp(`^error locked .*process ${process.pid}`));
    await other.exited;

    await taker.close();
    expect(existsSync(join(dir, '.lock'))).toBe(false);
  });

  it('reads locks written before the token: a bare pid of a live process holds the dir', async () => {
    const sleeper = spawn('sleep', ['30']);
    try {
      await new Promise((resolve) => sleeper.once('spawn', resolve));
      writeFileSync(join(dir, '.lock'), `${sleeper.pid}\n`);
      const error = acquireError(dir);
      expect(HopbusError.hasCode(error, 'locked')).toBe(true);
      expect((error as Error).message).toContain(`process ${sleeper.pid}`);
      // The same, three fields, before a reboot: stale, taken over.
      writeFileSync(join(dir, '.lock'), `${sleeper.pid} ${otherBoot} 1\n`);
      const stale: number[] = [];
      DirLock.acquire(dir, (p) => stale.push(p)).release();
      expect(stale).toEqual([sleeper.pid]);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('leaves an empty lock younger than 2 s alone (its writer may be writing it) and takes over an older one', () => {
    const lock = join(dir, '.lock');
    writeFileSync(lock, '');
    const written = 1_700_000_000_000; // ms; a whole second, so the file system keeps it exactly
    utimesSync(lock, written / 1000, written / 1000);
    const error = acquireError(dir, () => written + 1999);
    expect(HopbusError.hasCode(error, 'locked')).toBe(true);
    expect((error as Error).message).toMatch(/being opened by another process/);
    expect(readFileSync(lock, 'utf8')).toBe('');

    const lockOfOurs = DirLock.acquire(dir, undefined, () => written + 2001);
    expect(lockLine(dir).startsWith(`${process.pid} `)).toBe(true);
    lockOfOurs.release();
    expect(existsSync(lock)).toBe(false);
  });

  /** Two processes take the lock of `dir` at once, `rounds` times (`before` sets the dir up each time): exactly one wins each round. */
  async function race(rounds: number, before: () => void): Promise<void> {
    const racers = [child('lockRaceChild.mjs', dir), child('lockRaceChild.mjs', dir)];
    try {
      for (const racer of racers) expect(await racer.nextLine()).toBe('ready');
      for (let round = 0; round < rounds; round++) {
        before();
        for (const racer of racers) racer.process.stdin.write('go\n');
        const results = await Promise.all(racers.map((racer) => racer.nextLine()));
        expect(results.filter((r) => r === 'won')).toHaveLength(1);
        expect(results.filter((r) => r.startsWith('error locked '))).toHaveLength(1);
        // The winner holds a whole lock of its own.
        const winner = racers[results.indexOf('won')]!;
        expect(lockLine(dir).split(' ')[0]).toBe(String(winner.process.pid));
        for (const racer of racers) racer.process.stdin.write('release\n');
        for (const racer of racers) expect(await racer.nextLine()).toBe('released');
        // The winner released it; nothing is left beside it.
        expect(readdirSync(dir)).toEqual([]);
      }
    } finally {
      for (const racer of racers) racer.process.stdin.end();
      await Promise.all(racers.map((racer) => racer.exited));
    }
  }

  it('lets exactly one of two processes racing to create the lock win; the other gets locked', async () => {
    await race(100, () => undefined);
  }, 120_000);

  it('lets exactly one of two processes racing to take over a stale lock win; the other gets locked', async () => {
    await race(100, () => writeFileSync(join(dir, '.lock'), `${process.pid} ${otherBoot} 1\n`));
  }, 120_000);
});
