import { close, closeSync, existsSync, fdatasync, fstat, fstatSync, fsync, linkSync, fsyncSync, ftruncate, open, openSync, promises, read, readdirSync, readFileSync, rename, renameSync, statSync, unlink, unlinkSync, writeSync, writev } from 'node:fs';

/** What the log reads of a file's attributes. */
export interface FileStat {
  readonly size: number;
  readonly ino: number;
  readonly mtimeMs: number;
  isDirectory(): boolean;
}

/**
 * Every file and folder operation of the log goes through one of these: the log's only way to
 * the disk. The default is node:fs (`nodeFileSystem`); tests put a fault-injecting one in its
 * place (`withFileSystem`) to see what a power loss would leave. Flags are node's
 * `fs.constants` (O_RDONLY, O_RDWR, O_WRONLY, O_CREAT, O_EXCL, O_TRUNC, O_DSYNC); a folder is
 * opened O_RDONLY to be fsync'ed. Promises reject, and synchronous calls throw, node's errors
 * (with their `code`).
 */
export interface FileSystem {
  open(path: string, flags: number, mode: number): Promise<number>;
  openSync(path: string, flags: number, mode: number): number;
  close(fd: number): Promise<void>;
  closeSync(fd: number): void;
  /** Writes `buffers` at `position`; resolves to the bytes written, which may be fewer. */
  writev(fd: number, buffers: readonly Buffer[], position: number): Promise<number>;
  /** Writes at `position`; returns the bytes written. */
  writeSync(fd: number, buffer: Buffer, offset: number, length: number, position: number): number;
  /** Reads into `buffer` from `offset`; resolves to the bytes read (0 at end of file). */
  read(fd: number, buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** The file's data and size (what reading it back needs) reach stable storage. */
  fdatasync(fd: number): Promise<void>;
  /** The file's data and attributes reach stable storage; on a folder: its entries (creates, renames, unlinks). */
  fsync(fd: number): Promise<void>;
  fsyncSync(fd: number): void;
  fstat(fd: number): Promise<FileStat>;
  fstatSync(fd: number): FileStat;
  ftruncate(fd: number, length: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  renameSync(from: string, to: string): void;
  /** A second name for the file `existing`; fails with EEXIST when `newPath` exists (it never replaces). */
  linkSync(existing: string, newPath: string): void;
  /** mkdir -p with `mode`; resolves to the first folder it created, undefined when all existed. */
  mkdir(path: string, mode: number): Promise<string | undefined>;
  unlink(path: string): Promise<void>;
  unlinkSync(path: string): void;
  readdirSync(path: string): string[];
  readFileSync(path: string): Buffer;
  /** The file (at a path, or open at a descriptor) as UTF-8 text. */
  readTextSync(path: string | number): string;
  existsSync(path: string): boolean;
  statSync(path: string): FileStat;
}

/** Resolves `done`'s callback outcome as a promise. */
function call<T>(start: (done: (error: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));
}

/** node:fs, asynchronous calls on the libuv pool (never blocking the event loop). */
export const nodeFileSystem: FileSystem = {
  open: (path, flags, mode) => call((done) => open(path, flags, mode, done)),
  openSync: (path, flags, mode) => openSync(path, flags, mode),
  close: (fd) => call<void>((done) => close(fd, (error) => done(error, undefined))),
  closeSync: (fd) => closeSync(fd),
  writev: (fd, buffers, position) => call((done) => writev(fd, buffers, position, done)),
  writeSync: (fd, buffer, offset, length, position) => writeSync(fd, buffer, offset, length, position),
  read: (fd, buffer, offset, length, position) => call((done) => read(fd, buffer, offset, length, position, done)),
  fdatasync: (fd) => call<void>((done) => fdatasync(fd, (error) => done(error, undefined))),
  fsync: (fd) => call<void>((done) => fsync(fd, (error) => done(error, undefined))),
  fsyncSync: (fd) => fsyncSync(fd),
  fstat: (fd) => call((done) => fstat(fd, done)),
  fstatSync: (fd) => fstatSync(fd),
  ftruncate: (fd, length) => call<void>((done) => ftruncate(fd, length, (error) => done(error, undefined))),
  rename: (from, to) => call<void>((done) => rename(from, to, (error) => done(error, undefined))),
  renameSync: (from, to) => renameSync(from, to),
  linkSync: (existing, newPath) => linkSync(existing, newPath),
  mkdir: (path, mode) => promises.mkdir(path, { recursive: true, mode }),
  unlink: (path) => call<void>((done) => unlink(path, (error) => done(error, undefined))),
  unlinkSync: (path) => unlinkSync(path),
  readdirSync: (path) => readdirSync(path),
  readFileSync: (path) => readFileSync(path),
  readTextSync: (path) => readFileSync(path, 'utf8'),
  existsSync: (path) => existsSync(path),
  statSync: (path) => statSync(path),
};

const fileSystemKey = Symbol('hopbus.log.fileSystem');

/**
 * Log options whose files go through `fileSystem` instead of node:fs. A hook for tests (a
 * simulated power loss), kept off the public surface: index.ts does not export it.
 */
export function withFileSystem<T extends object>(options: T, fileSystem: FileSystem): T {
  return { ...options, [fileSystemKey]: fileSystem };
}

/** The file system `options` were given by withFileSystem, or node:fs. */
export function fileSystemOf(options: object): FileSystem {
  return (options as { [fileSystemKey]?: FileSystem })[fileSystemKey] ?? nodeFileSystem;
}
