import { PullDelivery } from '@hopbus/core';
import type { Delivery, DeliveryOwner } from '@hopbus/core';
import type { LogRecord } from './LogRecord.js';

/** A record handed to a consumer; the first of ack, nack, term settles it, later calls are ignored. */
export class LogDelivery extends PullDelivery implements Delivery {
  readonly id: string;
  readonly topic: string;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly data: Uint8Array;
  readonly timestamp: number;
  readonly partition: number;
  readonly offset: number;

  constructor(
    readonly record: LogRecord,
    readonly deliveryCount: number,
    /** The group's generation when delivered: a settle from before a reset does not move the group. */
    readonly generation: number,
    owner: DeliveryOwner<LogDelivery>,
    deadline: number,
  ) {
    super(owner, deadline);
    this.id = record.id;
    this.topic = record.topic;
    this.key = record.key;
    this.headers = record.headers;
    this.data = record.data;
    this.timestamp = record.timestamp;
    this.partition = record.partition;
    this.offset = record.offset;
  }
}
