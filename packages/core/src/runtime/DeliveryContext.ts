import { HopbusError } from '../errors/HopbusError.js';
import type { Topic } from '../topic/Topic.js';
import type { Delivery } from '../transport/Transport.js';
import type { Cause } from './currentCause.js';
import { headerNames } from './headerNames.js';
import type { MessageContext } from './MessageContext.js';
import type { PublishOptions } from './Publisher.js';

/** Publishes on behalf of a handler, with the message it handles as the cause. */
export type CausedPublish = <T>(topic: Topic<T>, payload: T, options: PublishOptions | undefined, cause: Cause) => Promise<void>;

/**
 * The MessageContext of one delivery: reads through to the delivery. The runtime also queues it
 * in the mailboxes as the unit of work (the delivery and its decoded payload): one object per
 * message. `delivery` and `payload` are not part of MessageContext.
 */
export class DeliveryContext implements MessageContext, Cause {
  attempt = 1;

  constructor(
    readonly delivery: Delivery,
    readonly payload: unknown,
    readonly signal: AbortSignal,
    private readonly causedPublish: CausedPublish,
  ) {}

  get id(): string {
    return this.delivery.id;
  }
  get topic(): string {
    return this.delivery.topic;
  }
  get key(): string | undefined {
    return this.delivery.key;
  }
  get headers(): Readonly<Record<string, string>> {
    return this.delivery.headers;
  }
  get partition(): number {
    return this.delivery.partition;
  }
  get offset(): number {
    return this.delivery.offset;
  }
  get deliveryCount(): number {
    return this.delivery.deliveryCount;
  }
  get timestamp(): number {
    return this.delivery.timestamp;
  }
  get correlationId(): string {
    return this.delivery.headers[headerNames.correlationId] ?? this.delivery.id;
  }

  publish<T>(topic: Topic<T>, payload: T, options?: PublishOptions): Promise<void> {
    return this.causedPublish(topic, payload, options, this);
  }

  deleteState(): void {
    throw new HopbusError('config', `ctx.deleteState() was called for a message of ${this.delivery.topic}, but its actor is not keyed: only @Actor(name, { keyed: true }) has state.`);
  }
}
