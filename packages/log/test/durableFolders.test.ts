import fs from 'node:fs';
import { join } from 'node:path';
import { LogTransport } from '@hopbus/log';
import type { LogOptions } from '@hopbus/log';
import { isFolderSyncUnsupported, syncDir } from '../src/fileIo.js';
import { tempDir } from './support/tempDir.js';

/** The folders the log opened to fsync while `work` ran. */
async function foldersSynced(work: () => Promise<void>): Promise<string[]> {
  const synced: string[] = [];
  const realOpen = fs.promises.open.bind(fs.promises);
  const spy = jest.spyOn(fs.promises, 'open').mockImplementation(async (path, flags, mode) => {
    const handle = await realOpen(path, flags, mode);
    if (flags === 'r' && (await handle.stat()).isDirectory()) synced.push(String(path));
    return handle;
  });
  try {
    await work();
  } finally {
    spy.mockRestore();
  }
  return synced;
}

describe('durable folders', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => (temp = tempDir('folders')));
  afterEach(() => temp.remove());

  const publishToNewTopic = async (options: Partial<LogOptions>): Promise<void> => {
    const t = new LogTransport({ dir: join(temp.dir, 'a', 'data'), ...options });
    await t.connect();
    await t.publish([{ id: 'id-1', topic: 'orders.new', headers: {}, data: Buffer.from('x'), timestamp: Date.now() }]);
    await t.close();
  };

  it('syncs the parent of every folder it creates before a record in it is acknowledged', async () => {
    const synced = await foldersSynced(() => publishToNewTopic({ fsync: 'always' }));
    const data = join(temp.dir, 'a', 'data');
    // The data dir and its missing parent, the topic folder, the partition folder: each entry in its parent.
    for (const parent of [temp.dir, join(temp.dir, 'a'), data, join(data, 'orders.new')]) expect(synced).toContain(parent);
  });

  it("syncs no folder under fsync 'never'", async () => {
    const synced = await foldersSynced(() => publishToNewTopic({ fsync: 'never' }));
    expect(synced).toEqual([]);
  });

  it('tells a file system that cannot sync folders from a failing disk', async () => {
    expect(isFolderSyncUnsupported(Object.assign(new Error('x'), { code: 'EINVAL' }))).toBe(true);
    expect(isFolderSyncUnsupported(Object.assign(new Error('x'), { code: 'EIO' }))).toBe(false);
    await expect(syncDir(join(temp.dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    const failing = jest.spyOn(fs.promises, 'open').mockResolvedValue({
      sync: () => Promise.reject(Object.assign(new Error('I/O error'), { code: 'EIO' })),
      close: () => Promise.resolve(),
    } as unknown as fs.promises.FileHandle);
    try {
      await expect(syncDir(temp.dir)).rejects.toMatchObject({ code: 'EIO' });
    } finally {
      failing.mockRestore();
    }
    const unsupported = jest.spyOn(fs.promises, 'open').mockResolvedValue({
      sync: () => Promise.reject(Object.assign(new Error('not supported'), { code: 'EINVAL' })),
      close: () => Promise.resolve(),
    } as unknown as fs.promises.FileHandle);
    try {
      await expect(syncDir(temp.dir)).resolves.toBeUndefined();
    } finally {
      unsupported.mockRestore();
    }
  });
});
