import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { MessageSource } from './MessageSource.js';
import { NatsDelivery } from './NatsDelivery.js';
import { fromNatsHeaders } from './recordHeaders.js';
import type { ResumingPull } from './ResumingPull.js';

/**
 * A JetStream pull consumer as a MessageSource. ack/nak(delay)/term/working map one to one;
 * deliveryCount comes from the message metadata; offset is the stream sequence. The pull
 * resumes by itself after reconnects, missed heartbeats and a change of the consumer's leader.
 */
export function jetStreamSource(pull: ResumingPull, nc: NatsConnection): MessageSource<JsMsg> {
  return {
    start: (sink) => pull.start(sink),
    stop: () => pull.stop(),
    toDelivery: (m, owner, deadline) => new NatsDelivery(m.subject, fromNatsHeaders(m.headers), m.data, m.seq, m.info.deliveryCount, m, owner, deadline),
    settle: (m, how, delayMs) => {
      if (how === 'ack') m.ack();
      else if (how === 'nack') m.nak(delayMs > 0 ? delayMs : undefined);
      else if (how === 'term') m.term();
      else m.working();
    },
    release: async (released) => {
      if (released.length === 0) return;
      // After the server has seen the end of our pulls: a nak before that could be redelivered
      // to a pull request of ours that no one reads any more, and wait out the ack timeout.
      await nc.flush();
      for (const m of released) m.nak();
    },
  };
}
