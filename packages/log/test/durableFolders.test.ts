import { constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { LogTransport } from '@hopbus/log';
import type { LogOptions } from '@hopbus/log';
import { isFolderSyncUnsupported, syncDir } from '../src/fileIo.js';
import { nodeFileSystem, withFileSystem } from '../src/FileSystem.js';
import type { FileSystem } from '../src/FileSystem.js';
import { tempDir } from './support/tempDir.js';

/** node:fs, telling which folders the log opened to fsync. */
function recordingFolderSyncs(): { fileSystem: FileSystem; synced: string[] } {
  const synced: string[] = [];
  const fileSystem: FileSystem = {
    ...nodeFileSystem,
    open: async (path, flags, mode) => {
      const fd = await nodeFileSystem.open(path, flags, mode);
      if (flags === constants.O_RDONLY && statSync(path).isDirectory()) synced.push(path);
      return fd;
    },
  };
  return { fileSystem, synced };
}

describe('durable folders', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => (temp = tempDir('folders')));
  afterEach(() => temp.remove());

  const publishToNewTopic = async (options: Partial<LogOptions>, fileSystem: FileSystem): Promise<void> => {
    const t = new LogTransport(withFileSystem({ dir: join(temp.dir, 'a', 'data'), ...options }, fileSystem));
    await t.connect();
    await t.publish([{ id: 'id-1', topic: 'orders.new', headers: {}, data: Buffer.from('x'), timestamp: Date.now() }]);
    await t.close();
  };

  it('syncs the parent of every folder it creates before a record in it is acknowledged', async () => {
    const { fileSystem, synced } = recordingFolderSyncs();
    await publishToNewTopic({ fsync: 'always' }, fileSystem);
    const data = join(temp.dir, 'a', 'data');
    // The data dir and its missing parent, the topic folder, the partition folder: each entry in its parent.
    for (const parent of [temp.dir, join(temp.dir, 'a'), data, join(data, 'orders.new')]) expect(synced).toContain(parent);
  });

  it("syncs no folder under fsync 'never'", async () => {
    const { fileSystem, synced } = recordingFolderSyncs();
    await publishToNewTopic({ fsync: 'never' }, fileSystem);
    expect(synced).toEqual([]);
  });

  it('tells a file system that cannot sync folders from a failing disk', async () => {
    expect(isFolderSyncUnsupported(Object.assign(new Error('x'), { code: 'EINVAL' }))).toBe(true);
    expect(isFolderSyncUnsupported(Object.assign(new Error('x'), { code: 'EIO' }))).toBe(false);
    await expect(syncDir(nodeFileSystem, join(temp.dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    const failingSync = (code: string): FileSystem => ({ ...nodeFileSystem, fsync: () => Promise.reject(Object.assign(new Error(code), { code })) });
    await expect(syncDir(failingSync('EIO'), temp.dir)).rejects.toMatchObject({ code: 'EIO' });
    await expect(syncDir(failingSync('EINVAL'), temp.dir)).resolves.toBeUndefined();
  });
});
