import type { OutgoingRecord } from '../transport/Transport.js';

/** Records per chunk: appends fill the last chunk, trimming drops whole chunks, nothing is copied. */
const chunkSize = 4096;

/** Stands in for a trimmed record in a chunk still in use (keeps the chunk's element kind stable). */
const released: OutgoingRecord = Object.freeze({ id: '', topic: '', headers: Object.freeze({}), data: new Uint8Array(0), timestamp: 0 });

/**
 * The records of one topic, in publish order, as one partition. Records are kept after
 * delivery so that a new group can start at the earliest; `trim()` drops the oldest once
 * every group has settled them and more than `maxRetained` are held.
 */
export class MemoryTopic {
  /** Full chunks then the one being filled; chunks[0][0] is the record at chunkBase. */
  private readonly chunks: OutgoingRecord[][] = [[]];
  private chunksHead = 0;
  /** Offset of chunks[chunksHead][0]. */
  private chunkBase = 0;
  /** Offset of the oldest record held; records below it in the first chunk were trimmed. */
  private baseOffset = 0;
  /** Records below this offset were replaced by `released` in their chunk. */
  private releasedBelow = 0;
  private end = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly name: string,
    private readonly maxRetained: number,
  ) {}

  get endOffset(): number {
    return this.end;
  }

  get startOffset(): number {
    return this.baseOffset;
  }

  append(record: OutgoingRecord): void {
    let last = this.chunks[this.chunks.length - 1]!;
    if (last.length === chunkSize) {
      last = [];
      this.chunks.push(last);
    }
    last.push(record);
    this.end++;
  }

  /** Wakes every waiting consumer; called once per published batch. */
  notify(): void {
    for (const listener of this.listeners) listener();
  }

  at(offset: number): OutgoingRecord | undefined {
    if (offset < this.baseOffset || offset >= this.end) return undefined;
    const relative = offset - this.chunkBase;
    return this.chunks[this.chunksHead + Math.floor(relative / chunkSize)]![relative % chunkSize];
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drops records below `lowWatermark` while more than maxRetained are held. */
  trim(lowWatermark: number): void {
    const excess = this.end - this.baseOffset - this.maxRetained;
    const droppable = Math.min(excess, lowWatermark - this.baseOffset);
    if (droppable <= 0) return;
    this.baseOffset += droppable;
    while (this.chunks.length - this.chunksHead > 1 && this.chunkBase + chunkSize <= this.baseOffset) {
      this.chunks[this.chunksHead++] = [];
      this.chunkBase += chunkSize;
    }
    if (this.chunksHead > 64) {
      this.chunks.splice(0, this.chunksHead);
      this.chunksHead = 0;
    }
    // Let go of the trimmed records still in the first chunk (those not let go before), so the garbage collector can take them.
    const first = this.chunks[this.chunksHead]!;
    const end = Math.min(first.length, this.baseOffset - this.chunkBase);
    for (let i = Math.max(0, this.releasedBelow - this.chunkBase); i < end; i++) first[i] = released;
    this.releasedBelow = this.chunkBase + end;
  }
}
