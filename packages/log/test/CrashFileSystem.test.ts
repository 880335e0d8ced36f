import { constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { syncDir, writeAll } from '../src/fileIo.js';
import { CrashFileSystem } from './support/CrashFileSystem.js';
import { tempDir } from './support/tempDir.js';

const create = constants.O_RDWR | constants.O_CREAT;

/** The rig the power-loss tests stand on: what it keeps at a cut, and what it throws away. */
describe('CrashFileSystem', () => {
  let temp: ReturnType<typeof tempDir>;
  let root: string;
  beforeEach(() => {
    temp = tempDir('crashfs');
    root = join(temp.dir, 'disk');
    mkdirSync(root);
  });
  afterEach(() => temp.remove());

  async function writeFile(crash: CrashFileSystem, name: string, text: string, sync: 'none' | 'data' | 'data and folder'): Promise<void> {
    const fs = crash.fileSystem;
    const fd = await fs.open(join(root, name), create, 0o600);
    await writeAll(fs, fd, [Buffer.from(text)], 0);
    if (sync !== 'none') await fs.fdatasync(fd);
    await fs.close(fd);
    if (sync === 'data and folder') await syncDir(fs, root);
  }

  it('keeps a file only once its bytes and its folder entry are both synced', async () => {
    const crash = new CrashFileSystem(root);
    await writeFile(crash, 'none', 'a', 'none');
    await writeFile(crash, 'data', 'b', 'data');
    await writeFile(crash, 'both', 'c', 'data and folder');
    expect(crash.status(join(root, 'data'))).toEqual({ exists: true, unsyncedChanges: 0, nameDurable: true }); // the folder sync covered every entry before it
    await writeFile(crash, 'late', 'd', 'data');
    expect(crash.status(join(root, 'late'))).toEqual({ exists: true, unsyncedChanges: 0, nameDurable: false });
    await crash.powerCut();
    expect(existsSync(join(root, 'late'))).toBe(false);
    expect(readFileSync(join(root, 'both'), 'utf8')).toBe('c');
    expect(readFileSync(join(root, 'data'), 'utf8')).toBe('b');
    expect(readFileSync(join(root, 'none'), 'utf8')).toBe(''); // its name was synced with the others, its bytes never
  });

  it('undoes renames and unlinks its folder did not sync, and keeps an O_DSYNC write', async () => {
    const crash = new CrashFileSystem(root);
    await writeFile(crash, 'state', 'old', 'data and folder');
    await writeFile(crash, 'gone', 'kept', 'data and folder');
    const fs = crash.fileSystem;
    await writeFile(crash, 'state.tmp', 'new', 'data');
    await fs.rename(join(root, 'state.tmp'), join(root, 'state'));
    await fs.unlink(join(root, 'gone'));
    const fd = await fs.open(join(root, 'gone'), create | constants.O_DSYNC, 0o600); // a new file under the unlinked name
    await writeAll(fs, fd, [Buffer.from('dsync')], 0);
    await crash.powerCut();
    expect(readFileSync(join(root, 'state'), 'utf8')).toBe('old');
    expect(readFileSync(join(root, 'gone'), 'utf8')).toBe('kept');
    expect(existsSync(join(root, 'state.tmp'))).toBe(false);

    const after = crash.fileSystem;
    const synced = await after.open(join(root, 'synced'), create | constants.O_DSYNC, 0o600);
    await writeAll(after, synced, [Buffer.from('dsync')], 0);
    await after.close(synced);
    await syncDir(after, root);
    await crash.powerCut();
    expect(readFileSync(join(root, 'synced'), 'utf8')).toBe('dsync');
  });

  it('tears an unsynced write at a sector boundary, keeping a prefix of it', async () => {
    const data = Buffer.alloc(4096);
    for (let i = 0; i < data.byteLength; i++) data[i] = i % 251;
    const lengths = new Set<number>();
    for (let seed = 1; seed <= 12; seed++) {
      const crash = new CrashFileSystem(root, { seed, mode: 'tear' });
      const fs = crash.fileSystem;
      const fd = await fs.open(join(root, `torn-${seed}`), create, 0o600);
      await syncDir(fs, root);
      await writeAll(fs, fd, [data], 0);
      await crash.powerCut();
      const left = readFileSync(join(root, `torn-${seed}`));
      expect(left.byteLength % 512).toBe(0);
      expect(left.equals(data.subarray(0, left.byteLength))).toBe(true);
      lengths.add(left.byteLength);
    }
    expect(lengths.size).toBeGreaterThan(2);
  });

  it('fails every call of the process that lost power, and reboots with a new boot id', async () => {
    const crash = new CrashFileSystem(root);
    const before = crash.fileSystem;
    const bootBefore = before.readTextSync('/proc/sys/kernel/random/boot_id');
    crash.cutAtOperation(2);
    await writeFile(crash, 'first', 'x', 'none').catch(() => undefined); // its second changing call (the write) meets the cut
    await crash.idle();
    expect(crash.boot).toBe(1);
    await expect(before.open(join(root, 'again'), create, 0o600)).rejects.toMatchObject({ code: 'EIO' });
    expect(() => before.readdirSync(root)).toThrow(/power loss/);
    expect(crash.fileSystem.readTextSync('/proc/sys/kernel/random/boot_id')).not.toBe(bootBefore);
    expect(crash.fileSystem.readdirSync(root)).toEqual([]);
  });

  it('keeps the books of a file opened while another is being closed (the kernel may give it the same number)', async () => {
    const crash = new CrashFileSystem(root);
    const fs = crash.fileSystem;
    for (let i = 0; i < 40; i++) {
      const old = await fs.open(join(root, `old-${i}`), create, 0o600);
      const [, fd] = await Promise.all([fs.close(old), fs.open(join(root, `new-${i}`), create, 0o600)]);
      await writeAll(fs, fd, [Buffer.from('x')], 0);
      expect([i, crash.status(join(root, `new-${i}`)).unsyncedChanges]).toEqual([i, 1]);
      await fs.close(fd);
    }
  });
});
