import { PullDelivery } from '@hopbus/core';
import type { Delivery, DeliveryOwner } from '@hopbus/core';
import type { HeaderFields } from './recordHeaders.js';

/**
 * A record handed out by a NATS subscription, carrying the NATS message it came in. ack, nack,
 * term and working go to the owner (see PullDelivery): the first of ack, nack, term wins, later
 * calls are ignored; working() restarts the server's ack timeout until then. `deadline` follows
 * the ack timeout as the server counts it, roughly.
 */
export class NatsDelivery<M = unknown> extends PullDelivery implements Delivery {
  readonly id: string;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: number;
  readonly partition = 0;

  constructor(
    readonly topic: string,
    fields: HeaderFields,
    readonly data: Uint8Array,
    readonly offset: number,
    readonly deliveryCount: number,
    /** The NATS message this record came in, settled through it. */
    readonly message: M,
    owner: DeliveryOwner<NatsDelivery<M>>,
    deadline: number,
  ) {
    super(owner, deadline);
    this.id = fields.id;
    this.key = fields.key;
    this.headers = fields.headers;
    this.timestamp = fields.timestamp;
  }
}
