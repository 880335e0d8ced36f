import type { OutgoingRecord } from '@hopbus/core';
import { encodedRecordBytes } from './encodeBatch.js';

/**
 * The appends waiting for a partition's next group commit: their records in arrival order, the
 * encoded size of each, and one promise they all share, settled when the commit is durable
 * (or failed). One promise per commit, not per append: a commit often holds a thousand appends.
 */
export class PendingWrite {
  readonly records: OutgoingRecord[] = [];
  readonly sizes: number[] = [];
  /** Sum of sizes. */
  bytes = 0;
  readonly done: Promise<void>;
  resolve!: () => void;
  reject!: (error: unknown) => void;

  constructor() {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Adds `records` whole or not at all: throws `publish_failed` for a record the format cannot hold. */
  add(records: readonly OutgoingRecord[]): void {
    const mark = this.records.length;
    try {
      for (const record of records) {
        const size = encodedRecordBytes(record);
        this.sizes.push(size);
        this.records.push(record);
        this.bytes += size;
      }
    } catch (error) {
      for (let i = mark; i < this.sizes.length; i++) this.bytes -= this.sizes[i]!;
      this.records.length = mark;
      this.sizes.length = mark;
      throw error;
    }
  }
}
