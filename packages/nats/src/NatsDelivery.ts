import type { Delivery } from '@hopbus/core';
import type { HeaderFields } from './recordHeaders.js';

export type Settlement = 'ack' | 'nack' | 'term' | 'working';

/** Where a delivery reports its settlement; the owner talks to NATS. */
export interface SettlementSink {
  settle(delivery: NatsDelivery, how: Settlement, delayMs: number): void;
}

/**
 * A record handed out by a NATS subscription. The first of ack, nack, term wins; later calls
 * are ignored. working() restarts the ack timeout until then.
 */
export class NatsDelivery implements Delivery {
  readonly id: string;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: number;
  readonly partition = 0;
  settled = false;

  constructor(
    readonly topic: string,
    fields: HeaderFields,
    readonly data: Uint8Array,
    readonly offset: number,
    readonly deliveryCount: number,
    private readonly sink: SettlementSink,
  ) {
    this.id = fields.id;
    this.key = fields.key;
    this.headers = fields.headers;
    this.timestamp = fields.timestamp;
  }

  ack(): void {
    this.sink.settle(this, 'ack', 0);
  }

  nack(delayMs = 0): void {
    this.sink.settle(this, 'nack', delayMs);
  }

  term(): void {
    this.sink.settle(this, 'term', 0);
  }

  working(): void {
    this.sink.settle(this, 'working', 0);
  }
}
