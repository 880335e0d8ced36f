import type { DeliveryOwner } from '@hopbus/core';
import type { NatsDelivery } from './NatsDelivery.js';

/** What a source does to a message when its delivery is settled or touched. */
export type NatsSettlement = 'ack' | 'nack' | 'term' | 'working';

/** Where a source puts what arrives. */
export interface MessageSink<M> {
  /** A message arrived; called synchronously from the connection's read, in arrival order. */
  push(message: M): void;
  /** The source has ended: after stop(), or by itself (with the error when it failed). Called once. */
  end(error?: Error): void;
}

/** What a subscription reads from: JetStream pull messages, or a core NATS queue subscription. */
export interface MessageSource<M> {
  /** Starts receiving into `sink`; called once. */
  start(sink: MessageSink<M>): void;
  /** Stops receiving; the sink's end() follows, at once or soon. */
  stop(): void;
  toDelivery(message: M, owner: DeliveryOwner<NatsDelivery<M>>, deadline: number): NatsDelivery<M>;
  /**
   * Settlements that do nothing on this source (core NATS: everything but nack): the
   * subscription does not queue them. Optional; by default every settlement is applied.
   */
  readonly inert?: ReadonlySet<NatsSettlement>;
  /** Applies a settlement to the message (ack, nak with delay, term, working). May throw once the connection is closed. */
  settle(message: M, how: NatsSettlement, delayMs: number): void;
  /**
   * Gives back, once the source has ended, the messages that arrived but were never handed out
   * (JetStream naks them so that the group gets them again at once).
   */
  release(messages: readonly M[]): Promise<void>;
}
