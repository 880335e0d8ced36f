import type { JsMsg } from '@nats-io/jetstream';
import type { MessageSource } from './MessageSource.js';
import { NatsDelivery } from './NatsDelivery.js';
import { readHeaderFields } from './decodeHeaderBlock.js';
import type { ResumingPull } from './ResumingPull.js';

/**
 * A JetStream pull consumer as a MessageSource. ack/nak(delay)/term/working map one to one;
 * deliveryCount comes from the message metadata; offset is the stream sequence. The pull
 * resumes by itself after reconnects, missed heartbeats and a change of the consumer's leader.
 */
export function jetStreamSource(pull: ResumingPull): MessageSource<JsMsg> {
  return {
    start: (sink) => pull.start(sink),
    stop: () => pull.stop(),
    toDelivery: (m, owner, deadline) => new NatsDelivery(m.subject, readHeaderFields(m), m.data, m.seq, m.info.deliveryCount, m, owner, deadline),
    settle: (m, how, delayMs) => {
      if (how === 'ack') m.ack();
      else if (how === 'nack') m.nak(delayMs > 0 ? delayMs : undefined);
      else if (how === 'term') m.term();
      else m.working();
    },
    release: async (released) => {
      // The pull has ended, and the server has let go of its pull requests (see ResumingPull's
      // finish): a nak now is redelivered at once, to whichever consumer of the group pulls.
      for (const m of released) m.nak();
    },
  };
}
