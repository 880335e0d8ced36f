import type { Delivery } from '../transport/Transport.js';
import type { StoredRecord } from './StoredRecord.js';

export type Settlement = 'ack' | 'nack' | 'term';

/** What a delivery reports to when it is settled or touched. */
export interface DeliveryOwner {
  settle(delivery: MemoryDelivery, how: Settlement, delayMs: number): void;
  touch(delivery: MemoryDelivery): void;
}

export class MemoryDelivery implements Delivery {
  readonly id: string;
  readonly topic: string;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly data: Uint8Array;
  readonly timestamp: number;
  readonly partition = 0;
  readonly offset: number;
  settled = false;
  /** When the ack timeout fires, unless settled or touched before. */
  deadline: number;

  constructor(
    record: StoredRecord,
    readonly deliveryCount: number,
    private readonly owner: DeliveryOwner,
    ackTimeoutMs: number,
  ) {
    this.id = record.id;
    this.topic = record.topic;
    this.key = record.key;
    this.headers = record.headers;
    this.data = record.data;
    this.timestamp = record.timestamp;
    this.offset = record.offset;
    this.deadline = Date.now() + ackTimeoutMs;
  }

  ack(): void {
    this.owner.settle(this, 'ack', 0);
  }

  nack(delayMs = 0): void {
    this.owner.settle(this, 'nack', delayMs);
  }

  term(): void {
    this.owner.settle(this, 'term', 0);
  }

  working(): void {
    this.owner.touch(this);
  }
}
