import { constants } from 'node:fs';
import { join } from 'node:path';
import { HopbusError } from '@hopbus/core';
import { fileMode } from './fileIo.js';
import { nodeFileSystem } from './FileSystem.js';
import type { FileSystem } from './FileSystem.js';

/** The lock file of a data dir; it holds the owner's pid. Topic names cannot start with '.', so no topic collides. */
export const lockFileName = '.lock';

/**
 * One process owns a data dir. The lock is a file created exclusively, holding the owner's pid
 * and, on Linux, the boot it ran in and its start time; a lock whose owner is no longer running
 * is stale and taken over. The boot and start time tell a dead owner whose pid was reused (after
 * a reboot, or much later) from a live one.
 */
export class DirLock {
  private released = false;

  private constructor(
    readonly path: string,
    private readonly fs: FileSystem,
  ) {}

  /** Takes the lock of `dir`; throws `locked` naming the owner when a live process holds it. */
  static acquire(dir: string, onStale?: (pid: number) => void, fs: FileSystem = nodeFileSystem): DirLock {
    const path = join(dir, lockFileName);
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const fd = fs.openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, fileMode);
        try {
          const line = Buffer.from(ownerLine(fs, process.pid));
          fs.writeSync(fd, line, 0, line.byteLength, 0);
        } finally {
          fs.closeSync(fd);
        }
        return new DirLock(path, fs);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const lockOwner = readOwner(fs, path);
      const owner = lockOwner?.pid;
      if (lockOwner !== undefined && isRunning(fs, lockOwner)) {
        const who = owner === process.pid ? 'this process (another LogTransport or LogStore on the same dir is still open)' : `process ${owner}`;
        throw new HopbusError(
          'locked',
          `The log data dir ${dir} is in use by ${who}. One process owns a data dir: stop the owner, or give this process its own dir.`,
        );
      }
      if (owner === undefined && youngerThan(fs, path, 2000)) {
        throw new HopbusError('locked', `The log data dir ${dir} is being opened by another process right now (${path} has no pid yet). Retry in a moment.`);
      }
      // Stale (dead owner) or unreadable (an owner that died while writing it): take it over.
      if (owner !== undefined) onStale?.(owner);
      try {
        fs.unlinkSync(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    throw new HopbusError('locked', `Could not take the lock ${path}: other processes keep taking it. Check what else opens ${dir}.`);
  }

  /** Removes the lock file; idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      if (readOwner(this.fs, this.path)?.pid === process.pid) this.fs.unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }
}

/** `<pid> <boot id> <start time>`: the last two only where /proc tells them (Linux). */
function ownerLine(fs: FileSystem, pid: number): string {
  const boot = currentBootId(fs);
  const started = startTimeOf(fs, pid);
  return boot !== undefined && started !== undefined ? `${pid} ${boot} ${started}\n` : `${pid}\n`;
}

/** What a lock file says of its owner: the pid, and where recorded, its boot and start time. */
interface LockOwner {
  readonly pid: number;
  readonly boot: string | undefined;
  readonly started: string | undefined;
}

function readOwner(fs: FileSystem, path: string): LockOwner | undefined {
  try {
    const [pidText, boot, started] = fs.readTextSync(path).trim().split(/\s+/);
    const pid = Number.parseInt(pidText ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? { pid, boot, started } : undefined;
  } catch {
    return undefined;
  }
}

/** The lock's owner still runs: its pid is alive and, where the lock records them, in the same boot with the same start time. */
function isRunning(fs: FileSystem, { pid, boot, started }: LockOwner): boolean {
  if (!isAlive(pid)) return false;
  if (boot === undefined || started === undefined) return true; // a lock from a platform without /proc
  const nowBoot = currentBootId(fs);
  if (nowBoot !== undefined && nowBoot !== boot) return false; // written before a reboot
  const nowStarted = startTimeOf(fs, pid);
  return nowStarted === undefined || nowStarted === started;
}

function currentBootId(fs: FileSystem): string | undefined {
  try {
    const id = fs.readTextSync('/proc/sys/kernel/random/boot_id').trim();
    return /^[0-9a-f-]+$/i.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
function startTimeOf(fs: FileSystem, pid: number): string | undefined {
  try {
    const stat = fs.readTextSync(`/proc/${pid}/stat`);
    const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // the name may hold spaces
    const started = afterName[19]; // fields 3.. follow the name: field 22 is the 20th of them
    return started !== undefined && /^\d+$/.test(started) ? started : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function youngerThan(fs: FileSystem, path: string, ms: number): boolean {
  try {
    return Date.now() - fs.statSync(path).mtimeMs < ms;
  } catch {
    return false;
  }
}
