import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { HopbusError } from '@hopbus/core';

/**
 * What a failure to create or lock the data dir `dir` becomes: a HopbusError (code `config`)
 * that says what is wrong with the dir and what to do, with the system error as its `cause`.
 * A HopbusError (such as `locked`) is returned as it is.
 */
export function dataDirError(dir: string, error: unknown): unknown {
  if (HopbusError.is(error)) return error;
  const { code, syscall, path } = error as NodeJS.ErrnoException;
  const failed = syscall !== undefined && path !== undefined ? `${syscall} ${path}: ${code}` : String(code);
  const toRead = 'to only read a log, use LogInspector or the hopbus log commands that write nothing (topics, describe, groups, tail, verify)';
  switch (code) {
    case 'EEXIST':
    case 'ENOTDIR': {
      const file = fileOnPath(dir) ?? dir;
      const what = file === dir ? 'is a file, not a folder' : `cannot be a folder: ${file}, on its path, is a file`;
      return new HopbusError('config', `The log data dir ${dir} ${what}. Point the log (the dir of its log: URL, or LogOptions.dir) at a folder, or move that file away.`, {
        cause: error,
      });
    }
    case 'EACCES':
    case 'EPERM':
      return new HopbusError(
        'config',
        `This process (${whoRuns()}) may not write in the log data dir ${dir} (${failed}). Give it write access to the dir (chown or chmod), or point the log at a dir it owns; ${toRead}.`,
        { cause: error },
      );
    case 'EROFS':
      return new HopbusError('config', `The log data dir ${dir} is on a read-only file system (${failed}). Point the log at a writable dir; ${toRead}.`, { cause: error });
    default:
      return new HopbusError('config', `Could not open the log data dir ${dir} (${error instanceof Error ? error.message : String(error)}). Check the path, its permissions and the free space.`, { cause: error });
  }
}

/** The first of `dir` and its parents that exists and is not a folder. */
function fileOnPath(dir: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    try {
      if (!statSync(at).isDirectory()) return at;
    } catch {
      // Missing, or under a file: look further up.
    }
    if (dirname(at) === at) return undefined;
  }
}

function whoRuns(): string {
  return typeof process.getuid === 'function' ? `user id ${process.getuid()}` : `pid ${process.pid}`;
}
