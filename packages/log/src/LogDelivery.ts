import { RecordDelivery } from '@hopbus/core';
import type { Delivery, DeliveryOwner } from '@hopbus/core';
import type { LogRecord } from './LogRecord.js';

/**
 * A record handed to a consumer; the first of ack, nack, term settles it, later calls are
 * ignored. The record's fields are read through from `record` (which decodes them on first
 * read), so a delivery costs one small object.
 */
export class LogDelivery extends RecordDelivery<LogRecord> implements Delivery {
  constructor(
    record: LogRecord,
    readonly deliveryCount: number,
    /** The group's generation when delivered: a settle from before a reset does not move the group. */
    readonly generation: number,
    owner: DeliveryOwner<LogDelivery>,
    deadline: number,
  ) {
    super(record, owner, deadline);
  }

  get partition(): number {
    return this.record.partition;
  }

  get offset(): number {
    return this.record.offset;
  }
}
