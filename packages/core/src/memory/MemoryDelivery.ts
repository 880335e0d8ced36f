import type { Delivery, OutgoingRecord } from '../transport/Transport.js';

export type Settlement = 'ack' | 'nack' | 'term';

/** What a delivery reports to when it is settled or touched. */
export interface DeliveryOwner {
  settle(delivery: MemoryDelivery, how: Settlement, delayMs: number): void;
  touch(delivery: MemoryDelivery): void;
}

/** A record handed out once: reads through to the stored record, settles through its owner. */
export class MemoryDelivery implements Delivery {
  readonly partition = 0;
  settled = false;

  constructor(
    private readonly record: OutgoingRecord,
    readonly offset: number,
    readonly deliveryCount: number,
    readonly owner: DeliveryOwner,
    /** When the ack timeout fires, unless settled or touched before. */
    public deadline: number,
  ) {}

  get id(): string {
    return this.record.id;
  }
  get topic(): string {
    return this.record.topic;
  }
  get key(): string | undefined {
    return this.record.key;
  }
  get headers(): Readonly<Record<string, string>> {
    return this.record.headers;
  }
  get data(): Uint8Array {
    return this.record.data;
  }
  get timestamp(): number {
    return this.record.timestamp;
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
