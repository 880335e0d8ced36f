import type { Topic } from '../topic/Topic.js';
import type { Delivery } from '../transport/Transport.js';
import type { Cause } from './currentCause.js';
import { headerNames } from './headerNames.js';
import type { MessageContext } from './MessageContext.js';
import type { PublishOptions } from './Publisher.js';

/** Publishes on behalf of a handler, with the message it handles as the cause. */
export type CausedPublish = <T>(topic: Topic<T>, payload: T, options: PublishOptions | undefined, cause: Cause) => Promise<void>;

/** The MessageContext of one delivery. */
export class DeliveryContext implements MessageContext, Cause {
  readonly id: string;
  readonly topic: string;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly partition: number;
  readonly offset: number;
  readonly deliveryCount: number;
  readonly timestamp: number;
  readonly correlationId: string;
  attempt = 1;

  constructor(
    delivery: Delivery,
    readonly signal: AbortSignal,
    private readonly causedPublish: CausedPublish,
  ) {
    this.id = delivery.id;
    this.topic = delivery.topic;
    this.key = delivery.key;
    this.headers = delivery.headers;
    this.partition = delivery.partition;
    this.offset = delivery.offset;
    this.deliveryCount = delivery.deliveryCount;
    this.timestamp = delivery.timestamp;
    this.correlationId = delivery.headers[headerNames.correlationId] ?? delivery.id;
  }

  publish<T>(topic: Topic<T>, payload: T, options?: PublishOptions): Promise<void> {
    return this.causedPublish(topic, payload, options, this);
  }
}
