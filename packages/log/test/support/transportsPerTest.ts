import { LogTransport } from '@hopbus/log';
import type { LogOptions } from '@hopbus/log';
import { tempDir } from './tempDir.js';

/**
 * For each test of the enclosing describe: a fresh data dir (`dir()`), and `transport(options)`
 * making LogTransports over it (or over `options.dir`), all closed and the dir removed after it.
 */
export function transportsPerTest(label: string): { dir: () => string; transport: (extra?: Partial<LogOptions>) => LogTransport } {
  let current: { dir: string; remove: () => void } | undefined;
  const open: LogTransport[] = [];
  beforeEach(() => {
    current = tempDir(label);
  });
  afterEach(async () => {
    for (const t of open.splice(0)) await t.close();
    current?.remove();
  });
  const dir = (): string => {
    if (!current) throw new Error('transportsPerTest: dir() is for use inside a test');
    return current.dir;
  };
  return {
    dir,
    transport: (extra = {}) => {
      const t = new LogTransport({ dir: dir(), ...extra });
      open.push(t);
      return t;
    },
  };
}
