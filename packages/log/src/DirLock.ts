import { randomBytes } from 'node:crypto';
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
 * a reboot, or much later) from a live one. Each acquire also writes a token of its own: release
 * removes the file only while it still holds that token, so an owner whose lock was taken over
 * (judged stale from another pid namespace, or in the same process) never removes the new
 * owner's lock.
 */
export class DirLock {
  private released = false;

  private constructor(
    readonly path: string,
    private readonly token: string,
    private readonly fs: FileSystem,
  ) {}

  /**
   * Takes the lock of `dir`; throws `locked` naming the owner when a live process holds it, or
   * when the lock is empty and younger than 2 s by `now` (its writer may still be writing it).
   */
  static acquire(dir: string, onStale?: (pid: number) => void, now: () => number = Date.now, fs: FileSystem = nodeFileSystem): DirLock {
    const path = join(dir, lockFileName);
    const token = randomBytes(8).toString('hex');
    for (let attempt = 0; attempt < 5; attempt++) {
      if (createWhole(fs, path, ownerLine(fs, process.pid, token), token)) return new DirLock(path, token, fs);
      const seen = readLock(fs, path);
      if (seen === undefined) continue; // gone since: create it again
      const lockOwner = seen.owner;
      const owner = lockOwner?.pid;
      if (lockOwner !== undefined && isRunning(fs, lockOwner)) {
        const who = owner === process.pid ? 'this process (another LogTransport or LogStore on the same dir is still open)' : `process ${owner}`;
        throw new HopbusError(
          'locked',
          `The log data dir ${dir} is in use by ${who}. One process owns a data dir: stop the owner, or give this process its own dir.`,
        );
      }
      if (owner === undefined && now() - seen.mtimeMs < 2000) {
        throw new HopbusError('locked', `The log data dir ${dir} is being opened by another process right now (${path} has no pid yet). Retry in a moment.`);
      }
      // Stale (dead owner) or unreadable (an owner that died while writing it): take it over.
      if (removeIfSame(fs, path, seen, token) && owner !== undefined) onStale?.(owner);
    }
    throw new HopbusError('locked', `Could not take the lock ${path}: other processes keep taking it. Check what else opens ${dir}.`);
  }

  /** Removes the lock file while it is still this acquire's (its pid and token); idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      const owner = parseOwner(this.fs.readTextSync(this.path));
      if (owner?.pid === process.pid && owner.token === this.token) this.fs.unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }
}

/**
 * `<pid> <boot id> <start time> <token>`; boot id and start time are `-` where /proc does not
 * tell them. Locks written before the token read as `<pid>` or `<pid> <boot id> <start time>`.
 */
function ownerLine(fs: FileSystem, pid: number, token: string): string {
  return `${pid} ${currentBootId(fs) ?? '-'} ${startTimeOf(fs, pid) ?? '-'} ${token}\n`;
}

/** What a lock file says of its owner: the pid, and where recorded, its boot, start time and token. */
interface LockOwner {
  readonly pid: number;
  readonly boot: string | undefined;
  readonly started: string | undefined;
  readonly token: string | undefined;
}

/** A lock file as read once: its text, what it says (undefined when empty or unreadable), its inode and age. */
interface SeenLock {
  readonly text: string;
  readonly owner: LockOwner | undefined;
  readonly ino: number;
  readonly mtimeMs: number;
}

/**
 * Creates `path` holding `text`, or tells that it exists. The text is written to a file of this
 * acquire first and hard-linked into place (link never replaces), so a lock of ours is never
 * seen empty or half written.
 */
function createWhole(fs: FileSystem, path: string, text: string, token: string): boolean {
  const draft = `${path}.new-${token}`;
  const fd = fs.openSync(draft, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, fileMode);
  try {
    try {
      const bytes = Buffer.from(text);
      fs.writeSync(fd, bytes, 0, bytes.byteLength, 0);
    } finally {
      fs.closeSync(fd);
    }
    fs.linkSync(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.unlinkSync(draft);
  }
}

function parseOwner(text: string): LockOwner | undefined {
  const [pidText, boot, started, token] = text.trim().split(/\s+/).map((field) => (field === '-' ? undefined : field));
  const pid = Number.parseInt(pidText ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? { pid, boot, started, token } : undefined;
}

/** Reads the lock file and stats it through one descriptor, so what it says and its inode belong together; undefined when it is gone. */
function readLock(fs: FileSystem, path: string): SeenLock | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path, constants.O_RDONLY, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const { ino, mtimeMs } = fs.fstatSync(fd);
    const text = fs.readTextSync(fd);
    return { text, owner: parseOwner(text), ino, mtimeMs };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Removes the lock file at `path` only when it is still the file judged stale (`seen`: same
 * inode, same text), and tells whether it did. It is moved aside first (one atomic rename), then
 * checked: when another process took the stale lock over in the meantime, the file moved aside
 * is that process's live lock (its own token: the text differs even when the inode number was
 * reused), and it is linked back. Two processes taking the same stale lock over thus never both
 * win, as they could by unlinking the path after the other had created its own lock there.
 */
function removeIfSame(fs: FileSystem, path: string, seen: SeenLock, token: string): boolean {
  const aside = `${path}.stale-${token}`;
  try {
    fs.renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  try {
    if (fs.statSync(aside).ino === seen.ino && fs.readTextSync(aside) === seen.text) return true;
    try {
      fs.linkSync(aside, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    return false;
  } finally {
    fs.unlinkSync(aside);
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
