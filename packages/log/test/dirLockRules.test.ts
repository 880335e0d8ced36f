import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HopbusError } from '@hopbus/core';
import { DirLock } from '../src/DirLock.js';
import { nodeFileSystem } from '../src/FileSystem.js';
import type { FileSystem } from '../src/FileSystem.js';
import { tempDir } from './support/tempDir.js';

// The lock's rules in this process: what it writes, which owners it counts as running, and what
// it does when the file changes under it. /proc and the races go through the FileSystem seam;
// the multi-process races themselves are in dirLock.test.ts.

const bootPath = '/proc/sys/kernel/random/boot_id';
const realBoot = readFileSync(bootPath, 'utf8').trim();
/** A boot id no machine has. */
const otherBoot = '00000000-0000-4000-8000-000000000000';

function startTime(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

/** node:fs with some calls replaced. */
const fsWith = (replaced: Partial<FileSystem>): FileSystem => ({ ...nodeFileSystem, ...replaced });

/** node:fs, except that the /proc files the lock reads say `proc[path]` (a throw where it is an Error). */
const procSays = (proc: Record<string, string | Error>): FileSystem =>
  fsWith({
    readTextSync: (path) => {
      const said = typeof path === 'string' ? proc[path] : undefined;
      if (said instanceof Error) throw said;
      return said ?? nodeFileSystem.readTextSync(path);
    },
  });

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: simulated`), { code });

/** The error acquiring the lock throws, or undefined (the lock is released again then). */
function acquireError(dir: string, fs: FileSystem = nodeFileSystem, now: () => number = Date.now): unknown {
  try {
    DirLock.acquire(dir, undefined, now, fs).release();
    return undefined;
  } catch (error) {
    return error;
  }
}

/** A pid that was just in use and no longer is. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('DirLock, in one process', () => {
  let dir: string;
  let remove: () => void;
  let lockPath: string;
  beforeEach(() => {
    ({ dir, remove } = tempDir('lockrules'));
    lockPath = join(dir, '.lock');
  });
  afterEach(() => remove());

  const lockFields = (): string[] => readFileSync(lockPath, 'utf8').replace(/\n$/, '').split(' ');

  it('writes the owner\'s pid, boot, start time and a token of its own, and leaves no draft beside it', () => {
    const lock = DirLock.acquire(dir);
    expect(lock.path).toBe(lockPath);
    expect(readFileSync(lockPath, 'utf8').endsWith('\n')).toBe(true);
    const [pid, boot, started, token, ...rest] = lockFields();
    expect([pid, boot, started]).toEqual([String(process.pid), realBoot, startTime(process.pid)]);
    expect(token).toMatch(/^[0-9a-f]{16}$/);
    expect(rest).toEqual([]);
    expect(readdirSync(dir)).toEqual(['.lock']);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
    const second = DirLock.acquire(dir);
    expect(lockFields()[3]).not.toBe(token);
    second.release();
  });

  it('writes - for the boot and the start time where /proc does not tell them', () => {
    const noProc = procSays({ [bootPath]: errno('ENOENT'), [`/proc/${process.pid}/stat`]: errno('ENOENT') });
    DirLock.acquire(dir, undefined, Date.now, noProc);
    expect(lockFields().slice(0, 3)).toEqual([String(process.pid), '-', '-']);
  });

  it.each(['x', '12a', 'a12'])('writes - for a boot id or a start time (here %s) /proc gives in a form it does not know', (field) => {
    const fields = Array.from({ length: 30 }, (_, i) => (i === 19 ? field : String(i + 3)));
    const odd = procSays({ [bootPath]: 'deadbeef-0000 and more\n', [`/proc/${process.pid}/stat`]: `${process.pid} (node) ${fields.join(' ')}` });
    DirLock.acquire(dir, undefined, Date.now, odd);
    expect(lockFields().slice(1, 3)).toEqual(['-', '-']);
  });

  it('reads the start time after the last ) of the process name, which may hold spaces and parentheses', () => {
    const fields = Array.from({ length: 30 }, (_, i) => String(i + 3)); // fields 3 on
    const stat = `${process.pid} (my (odd) name) ${fields.join(' ')}\n`;
    DirLock.acquire(dir, undefined, Date.now, procSays({ [`/proc/${process.pid}/stat`]: stat }));
    expect(lockFields()[2]).toBe('22');
  });

  it('keeps the dir from a second acquire in this process, saying so', () => {
    const lock = DirLock.acquire(dir);
    const error = acquireError(dir);
    expect(HopbusError.hasCode(error, 'locked')).toBe(true);
    expect((error as Error).message).toBe(
      `The log data dir ${dir} is in use by this process (another LogTransport or LogStore on the same dir is still open). One process owns a data dir: stop the owner, or give this process its own dir.`,
    );
    lock.release();
  });

  describe('an owner that is running', () => {
    const parent = process.ppid;

    it.each([
      ['its pid, boot and start time', () => `${parent} ${realBoot} ${startTime(parent)} t1\n`],
      ['a pid alone (a lock from before the boot and start time)', () => `${parent}\n`],
      ['a pid and a boot, no start time', () => `${parent} ${realBoot} - t1\n`],
      ['a pid and a start time, no boot', () => `${parent} - ${startTime(parent)} t1\n`],
      ['its fields with more space around and between them', () => ` \n${parent}  ${realBoot}\t${startTime(parent)}   t1\n\n`],
    ])('holds the dir when the lock names %s', (_, line) => {
      writeFileSync(lockPath, line());
      const error = acquireError(dir);
      expect(HopbusError.hasCode(error, 'locked')).toBe(true);
      expect((error as Error).message).toContain(`in use by process ${parent}.`);
      expect(readFileSync(lockPath, 'utf8')).toBe(line());
    });

    it('holds the dir when this machine\'s /proc tells neither boot nor start time', () => {
      writeFileSync(lockPath, `${parent} ${otherBoot} 1 t1\n`);
      const noProc = procSays({ [bootPath]: errno('ENOENT'), [`/proc/${parent}/stat`]: errno('ENOENT'), [`/proc/${process.pid}/stat`]: errno('ENOENT') });
      expect(HopbusError.hasCode(acquireError(dir, noProc), 'locked')).toBe(true);
    });
  });

  describe('a stale lock, taken over', () => {
    it.each([
      ['a pid no process has', async () => `${await deadPid()} ${realBoot} 1 t1\n`],
      ['a live pid in another boot (written before a reboot)', () => `${process.ppid} ${otherBoot} ${startTime(process.ppid)} t1\n`],
      ['a live pid that started at another time (the pid was reused)', () => `${process.ppid} ${realBoot} 1 t1\n`],
    ])('%s', async (_, line) => {
      const text = await line();
      const stalePid = Number(text.split(' ')[0]);
      writeFileSync(lockPath, text);
      const stale: number[] = [];
      const lock = DirLock.acquire(dir, (pid) => stale.push(pid));
      expect(stale).toEqual([stalePid]);
      expect(lockFields()[0]).toBe(String(process.pid));
      expect(readdirSync(dir)).toEqual(['.lock']);
      lock.release();
    });

    it('takes a stale lock over when nobody asked to hear of it', async () => {
      writeFileSync(lockPath, `${await deadPid()}\n`);
      DirLock.acquire(dir).release();
      expect(readdirSync(dir)).toEqual([]);
    });

    it.each([['empty', ''], ['no pid', 'abc def\n'], ['pid 0', '0 x y\n'], ['a negative pid', '-4\n']])(
      'takes over a lock that names no owner (%s) once it is 2 s old, without calling it stale',
      (_, text) => {
        writeFileSync(lockPath, text);
        const { mtimeMs } = nodeFileSystem.statSync(lockPath);
        const young = acquireError(dir, nodeFileSystem, () => mtimeMs + 1999);
        expect(HopbusError.hasCode(young, 'locked')).toBe(true);
        expect((young as Error).message).toBe(
          `The log data dir ${dir} is being opened by another process right now (${lockPath} has no pid yet). Retry in a moment.`,
        );
        const stale: number[] = [];
        DirLock.acquire(dir, (pid) => stale.push(pid), () => mtimeMs + 2000).release();
        expect(stale).toHaveLength(0);
      },
    );
  });

  describe('when the file changes under it', () => {
    it('creates the lock again when the one it saw is gone by the time it reads it', () => {
      writeFileSync(lockPath, `${process.ppid}\n`);
      let opens = 0;
      const fs = fsWith({
        openSync: (path, flags, mode) => {
          if (path === lockPath && opens++ === 0) nodeFileSystem.unlinkSync(lockPath); // the owner left just now
          return nodeFileSystem.openSync(path, flags, mode);
        },
      });
      const stale: number[] = [];
      const lock = DirLock.acquire(dir, (pid) => stale.push(pid), Date.now, fs);
      expect(lockFields()[0]).toBe(String(process.pid));
      expect(stale).toEqual([]);
      lock.release();
    });

    it('does not take over a stale lock that another process replaced with its own meanwhile, and puts that one back', async () => {
      const stalePid = await deadPid();
      writeFileSync(lockPath, `${stalePid} ${realBoot} 1 t1\n`);
      const livesLock = `${process.ppid} ${realBoot} ${startTime(process.ppid)} theirs\n`;
      const fs = fsWith({
        renameSync: (from, to) => {
          if (from === lockPath && to.includes('.stale-')) {
            nodeFileSystem.unlinkSync(lockPath);
            writeFileSync(lockPath, livesLock); // took it over between our read and our rename
          }
          nodeFileSystem.renameSync(from, to);
        },
      });
      const stale: number[] = [];
      let error: unknown;
      try {
        DirLock.acquire(dir, (pid) => stale.push(pid), Date.now, fs);
      } catch (thrown) {
        error = thrown;
      }
      expect(HopbusError.hasCode(error, 'locked')).toBe(true);
      expect((error as Error).message).toContain(`in use by process ${process.ppid}.`);
      expect(stale).toEqual([]);
      expect(readFileSync(lockPath, 'utf8')).toBe(livesLock);
      expect(readdirSync(dir)).toEqual(['.lock']);
    });

    it('tries again when a stale lock it was about to take over was removed meanwhile', async () => {
      writeFileSync(lockPath, `${await deadPid()} ${realBoot} 1 t1\n`);
      let renames = 0;
      const fs = fsWith({
        renameSync: (from, to) => {
          if (renames++ === 0) nodeFileSystem.unlinkSync(from); // its taker released it
          nodeFileSystem.renameSync(from, to);
        },
      });
      const stale: number[] = [];
      DirLock.acquire(dir, (pid) => stale.push(pid), Date.now, fs).release();
      expect(stale).toEqual([]);
      expect(readdirSync(dir)).toEqual([]);
    });

    it('keeps the lock another process put back while it checked the stale one it moved aside', async () => {
      const stalePid = await deadPid();
      writeFileSync(lockPath, `${stalePid} ${realBoot} 1 t1\n`);
      const theirs = `${process.ppid} ${realBoot} ${startTime(process.ppid)} theirs\n`;
      let links = 0;
      const fs = fsWith({
        renameSync: (from, to) => {
          nodeFileSystem.renameSync(from, to);
          if (to.includes('.stale-')) writeFileSync(to, theirs); // what was moved aside is not what was judged
        },
        linkSync: (existing, newPath) => {
          if (newPath === lockPath && existing.includes('.stale-') && links++ === 0) writeFileSync(lockPath, theirs); // already back
          nodeFileSystem.linkSync(existing, newPath);
        },
      });
      expect(HopbusError.hasCode(acquireError(dir, fs), 'locked')).toBe(true);
      expect(readFileSync(lockPath, 'utf8')).toBe(theirs);
      expect(readdirSync(dir)).toEqual(['.lock']);
    });

    it('does not take over an empty lock that was replaced by another empty one meanwhile (same text, another file)', () => {
      writeFileSync(lockPath, '');
      const { mtimeMs } = nodeFileSystem.statSync(lockPath);
      const fs = fsWith({
        renameSync: (from, to) => {
          if (from === lockPath && to.includes('.stale-')) {
            // Another process's new lock, still empty (its writer is writing it): a new file in its place.
            writeFileSync(`${lockPath}.theirs`, '');
            nodeFileSystem.renameSync(`${lockPath}.theirs`, lockPath);
          }
          nodeFileSystem.renameSync(from, to);
        },
      });
      let calls = 0;
      const young = () => (calls++ === 0 ? mtimeMs + 5000 : nodeFileSystem.statSync(lockPath).mtimeMs);
      const error = acquireError(dir, fs, young);
      expect(HopbusError.hasCode(error, 'locked')).toBe(true);
      expect((error as Error).message).toMatch(/being opened by another process/);
      expect(readdirSync(dir)).toEqual(['.lock']);
    });

    it('closes every descriptor it opens, whatever the outcome', () => {
      const open = () => readdirSync('/proc/self/fd').length;
      const before = open();
      for (let i = 0; i < 10; i++) DirLock.acquire(dir).release();
      const held = DirLock.acquire(dir);
      for (let i = 0; i < 10; i++) expect(HopbusError.hasCode(acquireError(dir), 'locked')).toBe(true);
      held.release();
      expect(open()).toBe(before);
    });

    it('gives up after five tries when other processes keep taking the lock, saying what to check', () => {
      let tries = 0;
      const fs = fsWith({
        linkSync: () => {
          tries++;
          throw errno('EEXIST');
        },
        openSync: (path, flags, mode) => {
          if (path === lockPath) throw errno('ENOENT'); // gone again each time it looks
          return nodeFileSystem.openSync(path, flags, mode);
        },
      });
      const error = acquireError(dir, fs);
      expect(HopbusError.hasCode(error, 'locked')).toBe(true);
      expect((error as Error).message).toBe(`Could not take the lock ${lockPath}: other processes keep taking it. Check what else opens ${dir}.`);
      expect(tries).toBe(5);
      expect(readdirSync(dir)).toEqual([]);
    });

    it.each([
      ['writing the draft', { writeSync: () => { throw errno('ENOSPC'); } }, 'ENOSPC'],
      ['linking the draft into place', { linkSync: () => { throw errno('EPERM'); } }, 'EPERM'],
    ] as [string, Partial<FileSystem>, string][])('passes on a failure %s and leaves no draft', (_, replaced, code) => {
      const error = acquireError(dir, fsWith(replaced));
      expect((error as NodeJS.ErrnoException).code).toBe(code);
      expect(readdirSync(dir)).toEqual([]);
    });

    it('passes on a failure to read a lock that is there', () => {
      writeFileSync(lockPath, `${process.ppid}\n`);
      const fs = fsWith({
        openSync: (path, flags, mode) => {
          if (path === lockPath) throw errno('EACCES');
          return nodeFileSystem.openSync(path, flags, mode);
        },
      });
      expect((acquireError(dir, fs) as NodeJS.ErrnoException).code).toBe('EACCES');
    });

    it('passes on a failure to move a stale lock aside', async () => {
      writeFileSync(lockPath, `${await deadPid()}\n`);
      const fs = fsWith({
        renameSync: () => {
          throw errno('EROFS');
        },
      });
      expect((acquireError(dir, fs) as NodeJS.ErrnoException).code).toBe('EROFS');
    });

    it('passes on a failure to put back a lock it moved aside by mistake, removing the copy', async () => {
      writeFileSync(lockPath, `${await deadPid()}\n`);
      const fs = fsWith({
        renameSync: (from, to) => {
          nodeFileSystem.renameSync(from, to);
          writeFileSync(to, 'changed\n');
        },
        linkSync: (existing, newPath) => {
          if (existing.includes('.stale-')) throw errno('EIO');
          nodeFileSystem.linkSync(existing, newPath);
        },
      });
      expect((acquireError(dir, fs) as NodeJS.ErrnoException).code).toBe('EIO');
      expect(readdirSync(dir)).toEqual([]);
    });
  });

  describe('release', () => {
    it('removes only its own lock: not one another acquire took over, nor one of another pid with its token', () => {
      const lock = DirLock.acquire(dir);
      const [pid, boot, started, token] = lockFields();
      writeFileSync(lockPath, `${pid} ${boot} ${started} someoneelse\n`);
      lock.release();
      expect(readFileSync(lockPath, 'utf8')).toBe(`${pid} ${boot} ${started} someoneelse\n`);

      nodeFileSystem.unlinkSync(lockPath);
      const again = DirLock.acquire(dir);
      const fields = lockFields();
      expect(fields[3]).not.toBe(token);
      writeFileSync(lockPath, `${process.ppid} ${fields[1]} ${fields[2]} ${fields[3]}\n`);
      again.release();
      expect(existsSync(lockPath)).toBe(true);
    });

    it('is idempotent, and quiet when the file is gone', () => {
      const lock = DirLock.acquire(dir);
      const text = readFileSync(lockPath, 'utf8');
      lock.release();
      expect(existsSync(lockPath)).toBe(false);
      writeFileSync(lockPath, text); // the same pid and token: only a first release removes it
      lock.release();
      expect(existsSync(lockPath)).toBe(true);

      nodeFileSystem.unlinkSync(lockPath);
      const gone = DirLock.acquire(dir);
      nodeFileSystem.unlinkSync(lockPath);
      expect(() => gone.release()).not.toThrow();
    });
  });
});
