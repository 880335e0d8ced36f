import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { HopbusError } from '@hopbus/core';
import { fileMode } from './fileIo.js';

/** The lock file of a data dir; it holds the owner's pid. Topic names cannot start with '.', so no topic collides. */
export const lockFileName = '.lock';

/**
 * One process owns a data dir. The lock is a file created exclusively, holding the pid; a lock
 * whose pid is no longer running is stale and taken over.
 */
export class DirLock {
  private released = false;

  private constructor(readonly path: string) {}

  /** Takes the lock of `dir`; throws `locked` naming the owner when a live process holds it. */
  static acquire(dir: string, onStale?: (pid: number) => void): DirLock {
    const path = join(dir, lockFileName);
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const fd = openSync(path, 'wx', fileMode);
        try {
          writeSync(fd, `${process.pid}\n`);
        } finally {
          closeSync(fd);
        }
        return new DirLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = readOwner(path);
      if (owner !== undefined && isAlive(owner)) {
        const who = owner === process.pid ? 'this process (another LogTransport or LogStore on the same dir is still open)' : `process ${owner}`;
        throw new HopbusError(
          'locked',
          `The log data dir ${dir} is in use by ${who}. One process owns a data dir: stop the owner, or give this process its own dir.`,
        );
      }
      if (owner === undefined && youngerThan(path, 2000)) {
        throw new HopbusError('locked', `The log data dir ${dir} is being opened by another process right now (${path} has no pid yet). Retry in a moment.`);
      }
      // Stale (dead owner) or unreadable (an owner that died while writing it): take it over.
      if (owner !== undefined) onStale?.(owner);
      try {
        unlinkSync(path);
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
      if (readOwner(this.path) === process.pid) unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }
}

function readOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
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

function youngerThan(path: string, ms: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < ms;
  } catch {
    return false;
  }
}
