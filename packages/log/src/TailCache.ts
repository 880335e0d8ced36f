import type { Segment } from './Segment.js';

/** What every partition's tail cache of one log may hold in all. */
export class TailCacheBudget {
  used = 0;
  constructor(readonly maxBytes: number) {}
}

/** At most this much per partition, so that one busy partition cannot take the whole budget. */
const maxBytesPerPartition = 1024 * 1024;

/**
 * The last group commits of a partition's active segment, copied into memory as they are
 * written, so that consumers at the tail (the commit wakes them) decode them without reading
 * the file back: no read on the libuv pool, which on a busy disk queued behind the next
 * commit's write. Holds whole batches only, contiguous in the segment, oldest dropped first.
 */
export class TailCache {
  private segment: Segment | undefined;
  private readonly starts: number[] = [];
  private readonly chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly budget: TailCacheBudget) {}

  /** Keeps a copy of `written`: whole batches just written (and synced under fsync 'always') at `position` of `segment`. */
  add(segment: Segment, position: number, written: Buffer): void {
    if (segment !== this.segment) {
      this.clear();
      this.segment = segment;
    }
    const size = written.byteLength;
    while (this.chunks.length > 0 && (this.bytes + size > maxBytesPerPartition || this.budget.used + size > this.budget.maxBytes)) this.dropOldest();
    if (size > maxBytesPerPartition || this.budget.used + size > this.budget.maxBytes) {
      this.clear(); // too big to keep: what is kept must stay contiguous
      return;
    }
    const copy = Buffer.allocUnsafe(size);
    written.copy(copy);
    this.starts.push(position);
    this.chunks.push(copy);
    this.bytes += size;
    this.budget.used += size;
  }

  /**
   * Up to `want` bytes of `segment` from `position` (a batch boundary), never past the end of
   * the commit that holds it; undefined when that commit is not held.
   */
  slice(segment: Segment, position: number, want: number): Buffer | undefined {
    if (segment !== this.segment) return undefined;
    for (let i = this.chunks.length - 1; i >= 0; i--) {
      const start = this.starts[i]!;
      if (position < start) continue;
      const chunk = this.chunks[i]!;
      const from = position - start;
      return from < chunk.byteLength ? chunk.subarray(from, from + Math.min(want, chunk.byteLength - from)) : undefined;
    }
    return undefined;
  }

  clear(): void {
    this.budget.used -= this.bytes;
    this.bytes = 0;
    this.starts.length = 0;
    this.chunks.length = 0;
    this.segment = undefined;
  }

  private dropOldest(): void {
    const chunk = this.chunks.shift()!;
    this.starts.shift();
    this.bytes -= chunk.byteLength;
    this.budget.used -= chunk.byteLength;
  }
}
