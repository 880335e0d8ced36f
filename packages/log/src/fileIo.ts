import { constants } from 'node:fs';
import { dirname } from 'node:path';
import type { FileSystem } from './FileSystem.js';

/** Mode of every file the log creates: owner only. */
export const fileMode = 0o600;
/** Mode of every folder the log creates. */
export const dirMode = 0o700;

/** Whether the platform has O_DSYNC (Linux, macOS); where it has not, callers sync after writing. */
export const canSyncWrites = typeof constants.O_DSYNC === 'number';

/**
 * Opens (creating when missing) a file for positional reads and writes. With `syncWrites`
 * (O_DSYNC; only when canSyncWrites) every write returns only once its bytes are on stable
 * storage, as if followed by an fdatasync of them: the write and the sync are one call.
 */
export function openFile(fs: FileSystem, path: string, readOnly = false, syncWrites = false): Promise<number> {
  if (syncWrites && !canSyncWrites) return Promise.reject(new Error('O_DSYNC is not available on this platform'));
  const flags = readOnly ? constants.O_RDONLY : constants.O_RDWR | constants.O_CREAT | (syncWrites ? constants.O_DSYNC : 0);
  return fs.open(path, flags, fileMode);
}

/** Writes every buffer at `position`, retrying short writes, in as few syscalls as the kernel allows. */
export async function writeAll(fs: FileSystem, fd: number, buffers: readonly Buffer[], position: number): Promise<void> {
  let pending = buffers.filter((b) => b.byteLength > 0);
  while (pending.length > 0) {
    const written = await fs.writev(fd, pending, position);
    position += written;
    let skip = written;
    const rest: Buffer[] = [];
    for (const buffer of pending) {
      if (skip >= buffer.byteLength) skip -= buffer.byteLength;
      else {
        rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
        skip = 0;
      }
    }
    pending = rest;
  }
}

/** Reads up to `length` bytes at `position` into `buf` from offset 0; resolves to the bytes read (fewer at end of file). */
export async function readAt(fs: FileSystem, fd: number, buf: Buffer, length: number, position: number): Promise<number> {
  let total = 0;
  while (total < length) {
    const bytes = await fs.read(fd, buf, total, length - total, position + total);
    if (bytes === 0) break;
    total += bytes;
  }
  return total;
}

/**
 * Codes with which a platform or file system says it cannot open or fsync a folder (Windows,
 * some network and FUSE file systems): nothing more can be done there. Any other error (EIO,
 * ENOSPC...) means the folder's entries may not be durable, and is thrown.
 */
const folderSyncUnsupported = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EISDIR', 'EPERM', 'EBADF']);

/** True when `error` only says that folders cannot be synced here. */
export function isFolderSyncUnsupported(error: unknown): boolean {
  return folderSyncUnsupported.has((error as NodeJS.ErrnoException | undefined)?.code ?? '');
}

/** Makes a create, rename or unlink inside `dir` durable. Blocks the event loop: for opening and tools only. */
export function syncDirSync(fs: FileSystem, dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, constants.O_RDONLY, 0);
    fs.fsyncSync(fd); // on a folder: the kernel persists its entries
  } catch (error) {
    if (!isFolderSyncUnsupported(error)) throw error;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

const replaceFlags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC;

/**
 * Replaces `path` atomically with `content`: write a temp file, fsync it, rename it over,
 * fsync the folder. With `durable` false the fsyncs are skipped (the rename stays atomic).
 */
export function writeFileAtomicSync(fs: FileSystem, path: string, content: Buffer | string, durable: boolean): void {
  const temp = `${path}.tmp`;
  const fd = fs.openSync(temp, replaceFlags, fileMode);
  try {
    const buf = typeof content === 'string' ? Buffer.from(content) : content;
    let at = 0;
    while (at < buf.byteLength) at += fs.writeSync(fd, buf, at, buf.byteLength - at, at);
    if (durable) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, path);
  if (durable) syncDirSync(fs, dirname(path));
}

/** The asynchronous `syncDirSync`, never blocking the event loop: the fsync runs on the libuv pool. */
export async function syncDir(fs: FileSystem, dir: string): Promise<void> {
  let fd: number | undefined;
  try {
    fd = await fs.open(dir, constants.O_RDONLY, 0);
    await fs.fsync(fd); // on a folder: the kernel persists its entries
  } catch (error) {
    if (!isFolderSyncUnsupported(error)) throw error;
  } finally {
    if (fd !== undefined) await fs.close(fd);
  }
}

/**
 * mkdir -p that makes what it created durable: each new folder's entry is synced in its parent
 * (a topic or partition folder that vanished in a power loss would take acknowledged records
 * with it). A folder that existed already may have been created by a call still syncing it (two
 * groups' first commits create one groups folder): that sync is waited for too. Resolves at once
 * when `durable` is false.
 */
export async function makeDirDurable(fs: FileSystem, dir: string, mode: number, durable: boolean): Promise<void> {
  const first = await fs.mkdir(dir, mode);
  if (!durable) return;
  const created: string[] = [];
  if (first !== undefined) {
    for (let at = dir; ; at = dirname(at)) {
      created.push(at);
      if (at === first || dirname(at) === at) break;
    }
  }
  const syncing = (async () => {
    for (const folder of created) await syncDir(fs, dirname(folder));
  })();
  for (const folder of created) entriesSyncing.set(folder, syncing);
  // A folder another call created may still have its entry on the way to disk: wait for it too.
  const others = ancestorsOf(dir).flatMap((folder) => entriesSyncing.get(folder) ?? []);
  try {
    await Promise.all([syncing, ...others]);
  } finally {
    for (const folder of created) if (entriesSyncing.get(folder) === syncing) entriesSyncing.delete(folder);
  }
}

/** Folders whose entry in their parent a makeDirDurable is syncing now, and the sync. */
const entriesSyncing = new Map<string, Promise<void>>();

/** `dir` and every folder above it. */
function ancestorsOf(dir: string): string[] {
  const all = [dir];
  for (let at = dir; dirname(at) !== at; at = dirname(at)) all.push(dirname(at));
  return all;
}

/** The asynchronous `writeFileAtomicSync`: never blocks the event loop on an fsync. */
export async function writeFileAtomic(fs: FileSystem, path: string, content: Buffer | string, durable: boolean): Promise<void> {
  const temp = `${path}.tmp`;
  const fd = await fs.open(temp, replaceFlags, fileMode);
  try {
    await writeAll(fs, fd, [typeof content === 'string' ? Buffer.from(content) : content], 0);
    if (durable) await fs.fsync(fd);
  } finally {
    await fs.close(fd);
  }
  await fs.rename(temp, path);
  if (durable) await syncDir(fs, dirname(path));
}
