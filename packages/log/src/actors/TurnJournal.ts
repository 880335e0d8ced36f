import { join } from 'node:path';
import { CorruptLogError } from '../CorruptLogError.js';
import type { FileSystem } from '../FileSystem.js';
import { dirMode, makeDirDurable, openFile, readAt, writeAll } from '../fileIo.js';
import type { ResolvedLogOptions } from '../LogOptions.js';
import { decodeTurnFrame, encodeTurnFrame, frameHeaderBytes } from './turnFrame.js';
import type { JournalTurn } from './turnFrame.js';

/** The folder of keyed actors' turns in a data dir (a dot name: never taken for a topic). */
export const actorsFolder = '.actors';
const journalFile = 'turns.journal';

/** The turn journal of data dir `dir`. */
export function journalPath(dir: string): string {
  return join(dir, actorsFolder, journalFile);
}

/** Every whole turn of `dir`'s journal, in commit order, read without changing anything (none when it has no journal). */
export function readTurnJournal(fs: FileSystem, dir: string): JournalTurn[] {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(journalPath(dir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const turns: JournalTurn[] = [];
  for (let at = 0; ; ) {
    const frame = decodeTurnFrame(buf, at);
    if (frame === undefined) return turns;
    turns.push(frame.turn);
    at = frame.next;
  }
}

interface PendingAppend {
  readonly frame: Buffer;
  resolve(position: number): void;
  reject(error: unknown): void;
}

/**
 * The keyed actors' turns of one data dir, in commit order: one append-only file of framed
 * turns (length, CRC32C, then the turn: actor, key, state, outputs). Turns committed at the
 * same time are written together, one write and one sync under fsync 'always' or 'interval'
 * (none under 'never'). A frame torn by a crash at the end is cut at open; a bad frame with
 * whole frames after it is corruption (CorruptLogError, or cut there under onCorruption 'truncate').
 */
export class TurnJournal {
  private pending: PendingAppend[] = [];
  private writing: Promise<void> | undefined;

  private constructor(
    private readonly fs: FileSystem,
    readonly path: string,
    private readonly fd: number,
    private size: number,
    private readonly durable: boolean,
  ) {}

  /** Where the next frame starts: the journal's size. */
  get end(): number {
    return this.size;
  }

  /** Opens (creating) the journal of `dir` and hands every whole turn to `onTurn`, with the position after it. */
  static async open(dir: string, options: ResolvedLogOptions, onTurn: (turn: JournalTurn, end: number) => void): Promise<TurnJournal> {
    const fs = options.fileSystem;
    const durable = options.fsync !== 'never';
    const folder = join(dir, actorsFolder);
    await makeDirDurable(fs, folder, dirMode, durable);
    const path = journalPath(dir);
    const fd = await openFile(fs, path);
    try {
      const size = (await fs.fstat(fd)).size;
      const buf = Buffer.allocUnsafe(size);
      await readAt(fs, fd, buf, size, 0);
      let at = 0;
      for (;;) {
        const frame = decodeTurnFrame(buf, at);
        if (frame === undefined) break;
        onTurn(frame.turn, frame.next);
        at = frame.next;
      }
      if (at < size) {
        const declaredEnd = at + frameHeaderBytes <= size ? at + frameHeaderBytes + buf.readUInt32LE(at) : size;
        if (declaredEnd < size && options.onCorruption !== 'truncate') {
          throw new CorruptLogError(path, at, 'a turn frame fails its check and whole frames follow it');
        }
        await fs.ftruncate(fd, at);
        if (durable) await fs.fdatasync(fd);
        options.onRecovery({ kind: 'truncated', file: path, detail: `cut ${size - at} bytes of turns at byte ${at}: a crash tore the last write` });
      }
      return new TurnJournal(fs, path, fd, at, durable);
    } catch (error) {
      await fs.close(fd);
      throw error;
    }
  }

  /** Appends one turn; resolves, once it is written (and synced, unless fsync 'never'), to the position after it. */
  append(turn: JournalTurn): Promise<number> {
    const frame = encodeTurnFrame(turn);
    return new Promise((resolve, reject) => {
      this.pending.push({ frame, resolve, reject });
      this.writing ??= this.writeLoop();
    });
  }

  private async writeLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      const at = this.size;
      try {
        await writeAll(this.fs, this.fd, batch.map((p) => p.frame), at);
        if (this.durable) await this.fs.fdatasync(this.fd);
      } catch (error) {
        // Nothing of the batch counts: what part of it reached the file is cut, and the next write goes where it would have.
        await this.fs.ftruncate(this.fd, at).catch(() => undefined);
        for (const p of batch) p.reject(error);
        continue;
      }
      let end = at;
      for (const p of batch) {
        end += p.frame.byteLength;
        p.resolve(end);
      }
      this.size = end;
    }
    this.writing = undefined;
  }

  async close(): Promise<void> {
    await this.writing;
    await this.fs.close(this.fd);
  }
}
