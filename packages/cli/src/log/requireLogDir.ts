import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { HopbusError } from '@hopbus/core';

/**
 * The absolute path of `dir`, once it is known to be a folder. Commands that open a log for
 * writing (repair, replay) check first: the engine would create a missing dir.
 */
export function requireLogDir(dir: string): string {
  const path = resolve(dir);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    throw new HopbusError('not_found', `There is no log data dir at ${path}. Give the <dir> of the bus's log:<dir> transport URL.`);
  }
  if (!isDirectory) throw new HopbusError('not_found', `${path} is a file, not a log data dir. Give the <dir> of the bus's log:<dir> transport URL.`);
  return path;
}
