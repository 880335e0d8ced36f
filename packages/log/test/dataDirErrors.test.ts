import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HopbusError } from '@hopbus/core';
import { LogInspector, LogTransport, resetGroup } from '@hopbus/log';
import { ensureBuilt, fixturesDir } from './support/ensureBuilt.js';
import { tempDir } from './support/tempDir.js';

/** What connecting a LogTransport on `dir` rejects with (it is closed again). */
async function openError(dir: string): Promise<unknown> {
  const transport = new LogTransport({ dir });
  try {
    await transport.connect();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await transport.close();
  }
}

const options = { start: 'earliest', maxInFlight: 10, ackTimeoutMs: 30_000 } as const;

describe('errors of the data dir and of group names are HopbusErrors that say what to do', () => {
  let base: string;
  let remove: () => void;
  beforeEach(() => ({ dir: base, remove } = tempDir('dirErrors')));
  afterEach(() => remove());

  it('refuses a data dir that is a file, or under a file, with config and the system error as cause', async () => {
    const file = join(base, 'data');
    writeFileSync(file, 'not a folder');
    for (const [dir, says] of [
      [file, `The log data dir ${file} is a file, not a folder.`],
      [join(file, 'sub'), `The log data dir ${join(file, 'sub')} cannot be a folder: ${file}, on its path, is a file.`],
    ] as const) {
      const error = await openError(dir);
      expect(HopbusError.hasCode(error, 'config')).toBe(true);
      expect((error as Error).message).toContain(says);
      expect((error as Error).message).toContain('Point the log (the dir of its log: URL, or LogOptions.dir) at a folder, or move that file away.');
      expect(((error as Error).cause as NodeJS.ErrnoException).code).toMatch(/^(EEXIST|ENOTDIR)$/);
    }
  });

  it('refuses a data dir this process may not write in (EACCES on the lock), as root too', () => {
    ensureBuilt();
    // Root writes anywhere: then the open runs in a child process as the user nobody.
    const asRoot = process.getuid?.() === 0;
    chmodSync(base, 0o755);
    const dir = join(base, 'readonly');
    mkdirSync(dir);
    chmodSync(dir, 0o555);
    const child = spawnSync(process.execPath, [join(fixturesDir, 'openChild.mjs'), dir], {
      encoding: 'utf8',
      timeout: 20_000,
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    expect(child.error).toBeUndefined();
    expect(child.stderr).toBe('');
    const error = JSON.parse(child.stdout) as { name: string; code: string; message: string; cause: string };
    expect(error).toMatchObject({ name: 'HopbusError', code: 'config', cause: 'EACCES' });
    expect(error.message).toMatch(new RegExp(`^This process \\(user id \\d+\\) may not write in the log data dir ${dir} \\(open ${dir}/\\.lock\\S*: EACCES\\)\\. Give it write access`));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a group name that cannot name a file, before anything is created', async () => {
    const dir = join(base, 'log');
    const transport = new LogTransport({ dir });
    try {
      for (const group of ['g'.repeat(101), 'é'.repeat(51), '']) {
        const error = await transport.subscribe('orders', { ...options, group }).then(() => undefined, (e: unknown) => e);
        expect(HopbusError.hasCode(error, 'config')).toBe(true);
        expect((error as Error).message).toMatch(group === '' ? /group name is empty/ : new RegExp(`is ${Buffer.byteLength(group)} bytes long; the log allows at most 100 bytes`));
        await expect(transport.resetGroup('orders', group, { position: 'earliest' })).rejects.toMatchObject({ code: 'config' });
      }
      expect(readdirSync(dir).filter((name) => !name.startsWith('.'))).toEqual([]); // no topic was made
      // The longest names that fit work, plain or not.
      for (const group of ['g'.repeat(100), 'é'.repeat(50)]) await (await transport.subscribe('orders', { ...options, group })).drain();
    } finally {
      await transport.close();
    }
    await expect(resetGroup(dir, 'orders', 'g'.repeat(101), { position: 'earliest' })).rejects.toMatchObject({ code: 'config' });
    const inspector = await LogInspector.open(dir);
    expect(inspector.listGroups('orders').map((g) => g.group).sort()).toEqual(['g'.repeat(100), 'é'.repeat(50)].sort());
    await inspector.close();
  });
});
