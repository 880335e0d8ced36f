import type { Msg, NatsConnection } from '@nats-io/transport-node';
import type { MessageSink, MessageSource, NatsSettlement } from './MessageSource.js';
import { NatsDelivery } from './NatsDelivery.js';
import { readHeaderFields } from './decodeHeaderBlock.js';

export interface CoreMessage {
  readonly msg: Msg;
  readonly offset: number;
  readonly deliveryCount: number;
}

/** Nothing is stored, so only a nack does anything. */
const coreInert: ReadonlySet<NatsSettlement> = new Set(['ack', 'term', 'working']);

/**
 * A core NATS queue subscription (queue group = the hopbus group) as a MessageSource, for
 * fire-and-forget topics. Nothing is stored: what is published while nobody listens is lost,
 * ack and term do nothing, and nack(delay) hands the message to this subscriber again after the
 * delay (lost if it drains first). offset counts the messages this subscriber received.
 */
export function coreSource(nc: NatsConnection, topic: string, group: string): MessageSource<CoreMessage> {
  let sink: MessageSink<CoreMessage> | undefined;
  let received = 0;
  let ended = false;
  let subscription: ReturnType<NatsConnection['subscribe']> | undefined;
  const end = (error?: Error): void => {
    if (ended) return;
    ended = true;
    sink?.end(error);
  };
  return {
    start: (to) => {
      sink = to;
      const sub = nc.subscribe(topic, {
        queue: group,
        callback: (error, msg) => {
          if (error) end(error);
          else if (!ended) to.push({ msg, offset: ++received, deliveryCount: 1 });
        },
      });
      subscription = sub;
      void sub.closed.then((result) => end(result instanceof Error ? result : undefined));
    },
    stop: () => {
      if (subscription && !subscription.isClosed()) subscription.unsubscribe();
      end();
    },
    toDelivery: (m, owner, deadline) =>
      new NatsDelivery(m.msg.subject, readHeaderFields(m.msg), m.msg.data, m.offset, m.deliveryCount, m, owner, deadline),
    inert: coreInert,
    settle: (m, how, delayMs) => {
      if (how !== 'nack') return;
      const timer = setTimeout(() => {
        if (!ended) sink?.push({ ...m, deliveryCount: m.deliveryCount + 1 });
      }, delayMs);
      timer.unref();
    },
    release: async () => undefined,
  };
}
