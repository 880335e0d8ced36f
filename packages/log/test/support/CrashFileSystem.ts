import type { FileStat, FileSystem } from '../../src/FileSystem.js';
import { nodeFileSystem } from '../../src/FileSystem.js';
import { DiskBooks } from './DiskBooks.js';
import type { CutMode } from './DurableTree.js';

/** A seeded generator of numbers in [0, 1) (mulberry32): a failing run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const bootIdPath = '/proc/sys/kernel/random/boot_id';

/** How long the simulated reboot after a power cut takes: the files left were last modified this long before the machine is up again. */
const rebootMs = 60_000;

/** The calls that change or sync something: those cutAtOperation counts. */
const changing = new Set(['open', 'writev', 'fdatasync', 'fsync', 'ftruncate', 'rename', 'mkdir', 'unlink']);

/** A call held before it reaches the disk, until released. */
interface Hold {
  readonly matches: (call: string, path: string) => boolean;
  readonly reached: () => void;
  readonly released: Promise<void>;
  taken: boolean;
}

/** What a process of a machine that lost power is told by every file call it still makes. */
function powerLost(): NodeJS.ErrnoException {
  return Object.assign(new Error('simulated power loss: the machine went down, this process no longer runs'), { code: 'EIO' });
}

/**
 * A file system for tests that can lose power, in the spirit of SQLite's crash-simulating VFS
 * and RocksDB's fault-injection file system. Its `fileSystem` passes every call through to the
 * real folder `dir` and remembers (DurableTree) which bytes each file had synced and which
 * entries each folder had synced. `powerCut()` (or the operation `cutAtOperation` names) stops
 * the machine: the process's calls fail from then on, and the folder on disk becomes what
 * stable storage held, everything not synced thrown away (mode 'drop') or a random prefix of it
 * kept and the last change torn (mode 'tear'). After it, `fileSystem` is that of the rebooted
 * machine: a new boot id (a lock left by the dead process counts as stale), and the files left
 * look a reboot's time old.
 *
 * Paths outside `dir` pass through untracked. An O_DSYNC write counts as a write then an
 * fdatasync of the file.
 */
export class CrashFileSystem {
  private readonly books: DiskBooks;
  private readonly random: () => number;
  private readonly mode: CutMode;
  private generation = 0;
  private down = false;
  private operations = 0;
  private cutAt = Number.POSITIVE_INFINITY;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly holds: Hold[] = [];
  private cutting: Promise<void> | undefined;
  /** The view of the machine as it runs now. */
  fileSystem: FileSystem;

  constructor(dir: string, options: { seed?: number; mode?: CutMode } = {}) {
    this.books = new DiskBooks(dir);
    this.random = seededRandom(options.seed ?? 1);
    this.mode = options.mode ?? 'drop';
    this.fileSystem = this.view(this.generation);
  }

  /** Of the file or folder at `path` now: whether it exists, its changes not yet synced, whether its name is durable. */
  status(path: string): { readonly exists: boolean; readonly unsyncedChanges: number; readonly nameDurable: boolean } {
    return this.books.status(path);
  }

  /** What `path` would hold after a power cut in 'drop' mode: its bytes, its entry names, or undefined. */
  durableImage(path: string): Buffer | string[] | undefined {
    return this.books.durableImage(path);
  }

  /** The machine's boot: 0, then one more after each power cut. */
  get boot(): number {
    return this.generation;
  }

  /** False from the moment the power goes until the rebooted machine is up. */
  get poweredOn(): boolean {
    return !this.down;
  }

  /** The power goes when the `n`-th changing call of this boot starts (1 = the first); that call fails. */
  cutAtOperation(n: number): void {
    this.cutAt = n;
  }

  /** Cuts the power now; resolves once the disk is what stable storage held. */
  powerCut(): Promise<void> {
    if (!this.cutting) {
      this.down = true;
      this.cutting = this.finishCut();
    }
    return this.cutting;
  }

  private async finishCut(): Promise<void> {
    do await Promise.allSettled([...this.inFlight]); // at least once: `cutting` is set before the cut ends
    while (this.inFlight.size > 0);
    this.books.cut(this.mode, this.random, rebootMs);
    this.generation++;
    this.operations = 0;
    this.cutAt = Number.POSITIVE_INFINITY;
    this.fileSystem = this.view(this.generation);
    this.down = false;
    this.cutting = undefined;
  }

  /**
   * Holds the next asynchronous call that `matches` (the call's name, and its path or the path
   * its descriptor was opened with) before it reaches the disk, until `release()`. A cut while it
   * is held fails it when released. `reached` resolves when the call is being held.
   */
  hold(matches: (call: string, path: string) => boolean): { readonly reached: Promise<void>; release(): void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    this.holds.push({ matches, reached, released: new Promise((resolve) => (release = resolve)), taken: false });
    return { reached: reachedPromise, release };
  }

  /** Resolves at the first turn of the event loop with no call on the disk (held calls aside): the process waits for something else. */
  async idle(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.inFlight.size === 0) return;
      await Promise.allSettled([...this.inFlight]);
    }
  }

  /** Before a call of the process of `generation`: throws when the power is gone. */
  private alive(generation: number, changes: boolean): void {
    if (this.down || generation !== this.generation) throw powerLost();
    if (changes && ++this.operations >= this.cutAt) {
      void this.powerCut();
      throw powerLost();
    }
  }

  /**
   * Runs `real`, then `record` (the model's update) only if the power held until it completed;
   * `afterPower` keeps the books of descriptors opened or closed while the power went.
   */
  private async track<T>(
    generation: number,
    call: [name: string, path: string],
    real: () => Promise<T>,
    record: (value: T) => void = () => undefined,
    afterPower: (value: T) => void = () => undefined,
  ): Promise<T> {
    this.alive(generation, changing.has(call[0]));
    const hold = this.holds.find((h) => !h.taken && h.matches(...call));
    if (hold) {
      hold.taken = true;
      hold.reached();
      await hold.released;
      this.alive(generation, false);
    }
    const running = real();
    this.inFlight.add(running);
    try {
      const value = await running;
      if (this.down || generation !== this.generation) {
        afterPower(value);
        throw powerLost();
      }
      record(value);
      return value;
    } finally {
      this.inFlight.delete(running);
    }
  }

  private bootId(generation: number): string {
    const hex = (generation * 2654435761 + 0x1234567).toString(16).padStart(12, '0').slice(-12);
    return `00000000-0000-4000-8000-${hex}\n`;
  }

  /** The file system the process of boot `generation` sees. */
  private view(generation: number): FileSystem {
    const real = nodeFileSystem;
    const stamp = (): number => this.books.stamp();
    const books = this.books;
    const sync = <T>(changes: boolean, run: () => T): T => {
      this.alive(generation, changes);
      return run();
    };
    return {
      open: (path, flags, mode) =>
        this.track(
          generation,
          ['open', path],
          () => real.open(path, flags, mode),
          (fd) => books.opened(fd, path, flags),
          (fd) => books.orphan(fd), // closed by the cut
        ),
      openSync: (path, flags, mode) =>
        sync(true, () => {
          const fd = real.openSync(path, flags, mode);
          books.opened(fd, path, flags);
          return fd;
        }),
      // Off the books before the real close: once it is closed, a concurrent open may get the same number.
      close: (fd) =>
        this.track(generation, ['close', books.pathOf(fd)], () => {
          books.closed(fd);
          return real.close(fd);
        }),
      closeSync: (fd) =>
        sync(false, () => {
          real.closeSync(fd);
          books.closed(fd);
        }),
      writev: (fd, buffers, position) =>
        this.track(
          generation,
          ['writev', books.pathOf(fd)],
          () => real.writev(fd, buffers, position),
          (n) => books.wrote(fd, buffers, position, n, stamp),
          (n) => books.wrote(fd, buffers, position, n, undefined), // on its way when the power went: not synced, may be torn
        ),
      writeSync: (fd, buffer, offset, length, position) =>
        sync(true, () => {
          const n = real.writeSync(fd, buffer, offset, length, position);
          books.wrote(fd, [buffer.subarray(offset, offset + length)], position, n, stamp);
          return n;
        }),
      read: (fd, buffer, offset, length, position) => this.track(generation, ['read', books.pathOf(fd)], () => real.read(fd, buffer, offset, length, position)),
      fdatasync: (fd) => {
        const at = stamp();
        return this.track(generation, ['fdatasync', books.pathOf(fd)], () => real.fdatasync(fd), () => books.synced(fd, at));
      },
      fsync: (fd) => {
        const at = stamp();
        return this.track(generation, ['fsync', books.pathOf(fd)], () => real.fsync(fd), () => books.synced(fd, at));
      },
      fsyncSync: (fd) =>
        sync(true, () => {
          const at = stamp();
          real.fsyncSync(fd);
          books.synced(fd, at);
        }),
      fstatSync: (fd) => sync(false, () => real.fstatSync(fd)),
      fstat: (fd): Promise<FileStat> => this.track(generation, ['fstat', books.pathOf(fd)], () => real.fstat(fd)),
      ftruncate: (fd, length) =>
        this.track(generation, ['ftruncate', books.pathOf(fd)], () => real.ftruncate(fd, length), () => books.truncated(fd, length)),
      rename: (from, to) => this.track(generation, ['rename', from], () => real.rename(from, to), () => books.renamed(from, to)),
      linkSync: (existing, newPath) =>
        sync(true, () => {
          real.linkSync(existing, newPath);
          books.linked(existing, newPath);
        }),
      renameSync: (from, to) =>
        sync(true, () => {
          real.renameSync(from, to);
          books.renamed(from, to);
        }),
      mkdir: (path, mode) => this.track(generation, ['mkdir', path], () => real.mkdir(path, mode), () => books.madeDirs(path)),
      unlink: (path) => this.track(generation, ['unlink', path], () => real.unlink(path), () => books.unlinked(path)),
      unlinkSync: (path) =>
        sync(true, () => {
          real.unlinkSync(path);
          books.unlinked(path);
        }),
      readdirSync: (path) => sync(false, () => real.readdirSync(path)),
      readFileSync: (path) => sync(false, () => real.readFileSync(path)),
      readTextSync: (path) => sync(false, () => (path === bootIdPath ? this.bootId(generation) : real.readTextSync(path))),
      existsSync: (path) => sync(false, () => real.existsSync(path)),
      statSync: (path) => sync(false, () => real.statSync(path)),
    };
  }
}
