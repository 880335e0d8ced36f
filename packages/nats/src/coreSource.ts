import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { NatsDelivery } from './NatsDelivery.js';
import type { MessageSource } from './NatsSubscription.js';
import { fromNatsHeaders } from './recordHeaders.js';

export interface CoreMessage {
  readonly msg: Msg;
  readonly offset: number;
  readonly deliveryCount: number;
}

/**
 * A core NATS queue subscription (queue group = the hopbus group) as a MessageSource, for
 * fire-and-forget topics. Nothing is stored: what is published while nobody listens is lost,
 * ack and term do nothing, and nack(delay) hands the message to this subscriber again after the
 * delay (lost if it drains first). offset counts the messages this subscriber received.
 */
export function coreSource(nc: NatsConnection, topic: string, group: string): MessageSource<CoreMessage> {
  const queue: CoreMessage[] = [];
  let received = 0;
  let ended = false;
  let failure: Error | undefined;
  let waiter: (() => void) | undefined;
  const put = (m: CoreMessage): void => {
    if (ended) return;
    queue.push(m);
    waiter?.();
  };
  const end = (error?: Error): void => {
    failure ??= error;
    ended = true;
    waiter?.();
  };
  const subscription = nc.subscribe(topic, {
    queue: group,
    callback: (error, msg) => (error ? end(error) : put({ msg, offset: ++received, deliveryCount: 1 })),
  });
  void subscription.closed.then((result) => end(result instanceof Error ? result : undefined));
  const messages: AsyncIterable<CoreMessage> = {
    [Symbol.asyncIterator]: () => ({
      next: async (): Promise<IteratorResult<CoreMessage>> => {
        while (queue.length === 0 && !ended) await new Promise<void>((resolve) => (waiter = resolve));
        waiter = undefined;
        const value = queue.shift();
        if (value) return { done: false, value };
        if (failure) throw failure;
        return { done: true, value: undefined };
      },
    }),
  };
  return {
    messages,
    stop: () => {
      if (!subscription.isClosed()) subscription.unsubscribe();
      end();
    },
    toDelivery: (m, sink) => new NatsDelivery(m.msg.subject, fromNatsHeaders(m.msg.headers), m.msg.data, m.offset, m.deliveryCount, sink),
    settle: (m, how, delayMs) => {
      if (how !== 'nack') return;
      const timer = setTimeout(() => put({ ...m, deliveryCount: m.deliveryCount + 1 }), delayMs);
      timer.unref();
    },
    release: async () => undefined,
  };
}
