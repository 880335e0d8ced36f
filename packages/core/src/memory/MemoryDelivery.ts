import { PullDelivery } from '../pull/PullDelivery.js';
import type { DeliveryOwner } from '../pull/PullDelivery.js';
import type { Delivery, OutgoingRecord } from '../transport/Transport.js';

/** A record handed out once: reads through to the stored record, settles through its owner. */
export class MemoryDelivery extends PullDelivery implements Delivery {
  readonly partition = 0;

  constructor(
    private readonly record: OutgoingRecord,
    readonly offset: number,
    readonly deliveryCount: number,
    owner: DeliveryOwner<MemoryDelivery>,
    deadline: number,
  ) {
    super(owner, deadline);
  }

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
}
