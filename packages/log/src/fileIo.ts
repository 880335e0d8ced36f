import { closeSync, constants, fsync, fsyncSync, fdatasync, open, openSync, read, renameSync, writeSync, writev } from 'node:fs';
import { promises as fsPromises } from 'node:fs';
import { dirname } from 'node:path';

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
export function openFile(path: string, readOnly = false, syncWrites = false): Promise<number> {
  if (syncWrites && !canSyncWrites) return Promise.reject(new Error('O_DSYNC is not available on this platform'));
  return new Promise((resolve, reject) => {
    const flags = readOnly ? constants.O_RDONLY : constants.O_RDWR | constants.O_CREAT | (syncWrites ? constants.O_DSYNC : 0);
    open(path, flags, fileMode, (error, fd) => (error ? reject(error) : resolve(fd)));
  });
}

/** Writes every buffer at `position`, retrying short writes, in as few syscalls as the kernel allows. */
export async function writeAll(fd: number, buffers: readonly Buffer[], position: number): Promise<void> {
  let pending = buffers.filter((b) => b.byteLength > 0);
  while (pending.length > 0) {
    const written = await new Promise<number>((resolve, reject) => {
      writev(fd, pending, position, (error, bytes) => (error ? reject(error) : resolve(bytes)));
    });
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
export async function readAt(fd: number, buf: Buffer, length: number, position: number): Promise<number> {
  let total = 0;
  while (total < length) {
    const bytes = await new Promise<number>((resolve, reject) => {
      read(fd, buf, total, length - total, position + total, (error, n) => (error ? reject(error) : resolve(n)));
    });
    if (bytes === 0) break;
    total += bytes;
  }
  return total;
}

export function syncData(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
}

export function syncFile(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
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
export function syncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, constants.O_RDONLY);
    fsyncSync(fd); // on a folder: the kernel persists its entries
  } catch (error) {
    if (!isFolderSyncUnsupported(error)) throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Replaces `path` atomically with `content`: write a temp file, fsync it, rename it over,
 * fsync the folder. With `durable` false the fsyncs are skipped (the rename stays atomic).
 */
export function writeFileAtomicSync(path: string, content: Buffer | string, durable: boolean): void {
  const temp = `${path}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, fileMode);
  try {
    const buf = typeof content === 'string' ? Buffer.from(content) : content;
    let at = 0;
    while (at < buf.byteLength) at += writeSync(fd, buf, at, buf.byteLength - at);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  if (durable) syncDirSync(dirname(path));
}

/** The asynchronous `syncDirSync`, never blocking the event loop: the fsync runs on the libuv pool. */
export async function syncDir(dir: string): Promise<void> {
  let handle: fsPromises.FileHandle | undefined;
  try {
    handle = await fsPromises.open(dir, 'r');
    await handle.sync(); // on a folder: the kernel persists its entries
  } catch (error) {
    if (!isFolderSyncUnsupported(error)) throw error;
  } finally {
    await handle?.close();
  }
}

/**
 * mkdir -p that makes what it created durable: each new folder's entry is synced in its parent
 * (a topic or partition folder that vanished in a power loss would take acknowledged records
 * with it). Resolves without syncing when nothing was created or `durable` is false.
 */
export async function makeDirDurable(dir: string, mode: number, durable: boolean): Promise<void> {
  const first = await fsPromises.mkdir(dir, { recursive: true, mode });
  if (first === undefined || !durable) return;
  const created: string[] = [];
  for (let at = dir; ; at = dirname(at)) {
    created.push(at);
    if (at === first || dirname(at) === at) break;
  }
  for (const folder of created) await syncDir(dirname(folder));
}

/** The asynchronous `writeFileAtomicSync`: never blocks the event loop on an fsync. */
export async function writeFileAtomic(path: string, content: Buffer | string, durable: boolean): Promise<void> {
  const temp = `${path}.tmp`;
  const handle = await fsPromises.open(temp, 'w', fileMode);
  try {
    await handle.writeFile(content);
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
  await fsPromises.rename(temp, path);
  if (durable) await syncDir(dirname(path));
}
