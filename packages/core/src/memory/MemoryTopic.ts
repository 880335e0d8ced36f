import type { OutgoingRecord } from '../transport/Transport.js';

/**
 * The records of one topic, in publish order, as one partition. Records are kept after
 * delivery so that a new group can start at the earliest; `trim()` drops the oldest once
 * every group has settled them and more than `maxRetained` are held.
 */
export class MemoryTopic {
  private records: OutgoingRecord[] = [];
  /** Offset of records[0]. */
  private baseOffset = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly name: string,
    private readonly maxRetained: number,
  ) {}

  get endOffset(): number {
    return this.baseOffset + this.records.length;
  }

  get startOffset(): number {
    return this.baseOffset;
  }

  append(record: OutgoingRecord): void {
    this.records.push(record);
  }

  /** Wakes every waiting consumer; called once per published batch. */
  notify(): void {
    for (const listener of this.listeners) listener();
  }

  at(offset: number): OutgoingRecord | undefined {
    return this.records[offset - this.baseOffset];
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drops records below `lowWatermark` while more than maxRetained are held. */
  trim(lowWatermark: number): void {
    const excess = this.records.length - this.maxRetained;
    const droppable = Math.min(excess, lowWatermark - this.baseOffset);
    if (droppable > 0) {
      this.records = this.records.slice(droppable);
      this.baseOffset += droppable;
    }
  }
}
