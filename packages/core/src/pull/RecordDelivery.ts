import type { OutgoingRecord } from '../transport/Transport.js';
import { PullDelivery } from './PullDelivery.js';
import type { DeliveryOwner } from './PullDelivery.js';

/**
 * A delivery whose record fields read through to the stored record (which may decode them on
 * first read), so handing a record out costs one small object. A transport's delivery extends
 * it with `partition`, `offset` and `deliveryCount`.
 */
export abstract class RecordDelivery<R extends OutgoingRecord> extends PullDelivery {
  constructor(
    readonly record: R,
    owner: DeliveryOwner<PullDelivery>,
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
