import type { DeliveryOwner } from '../pull/PullDelivery.js';
import { RecordDelivery } from '../pull/RecordDelivery.js';
import type { Delivery, OutgoingRecord } from '../transport/Transport.js';

/** A record handed out once: reads through to the stored record, settles through its owner. */
export class MemoryDelivery extends RecordDelivery<OutgoingRecord> implements Delivery {
  readonly partition = 0;

  constructor(
    record: OutgoingRecord,
    readonly offset: number,
    readonly deliveryCount: number,
    owner: DeliveryOwner<MemoryDelivery>,
    deadline: number,
  ) {
    super(record, owner, deadline);
  }
}
