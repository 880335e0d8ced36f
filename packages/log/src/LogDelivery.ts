import type { Delivery } from '@hopbus/core';
import type { LogRecord } from './LogRecord.js';

export type Settlement = 'ack' | 'nack' | 'term';

/** Where a delivery reports when it is settled or touched. */
export interface LogDeliveryOwner {
  settle(delivery: LogDelivery, how: Settlement, delayMs: number): void;
  touch(delivery: LogDelivery): void;
}

/** A record handed to a consumer; the first of ack, nack, term settles it, later calls are ignored. */
export class LogDelivery implements Delivery {
  readonly id: string;
  readonly topic: string;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly data: Uint8Array;
  readonly timestamp: number;
  readonly partition: number;
  readonly offset: number;
  settled = false;
  /** When the ack timeout falls due, unless settled or touched before. */
  deadline: number;

  constructor(
    readonly record: LogRecord,
    readonly deliveryCount: number,
    /** The group's generation when delivered: a settle from before a reset does not move the group. */
    readonly generation: number,
    private readonly owner: LogDeliveryOwner,
    ackTimeoutMs: number,
  ) {
    this.id = record.id;
    this.topic = record.topic;
    this.key = record.key;
    this.headers = record.headers;
    this.data = record.data;
    this.timestamp = record.timestamp;
    this.partition = record.partition;
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
