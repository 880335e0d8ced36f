import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { MessageSink } from './MessageSource.js';
import type { NatsLogger } from './NatsTransportOptions.js';

export interface ResumingPullOptions {
  /** The stream and consumer, for log lines. */
  readonly stream: string;
  readonly consumer: string;
  /** Messages asked for at once (the consumer's max_ack_pending bounds them anyway). */
  readonly maxMessages: number;
  /** How long one pull request waits on the server; heartbeats come at half of it. */
  readonly expiresMs: number;
  readonly logger: NatsLogger;
}

/**
 * The messages of a durable pull consumer, pulled again whenever the pull stalls or ends.
 *
 * The client's consume() recovers too late when the consumer's leader dies in a cluster and
 * the connection survives: no heartbeat comes, and after two missed ones (5 to 7.5 s with the
 * default 5 s pull) it asks for the consumer's info, which times out (5 s) while a new leader is
 * elected, then waits `expires` before it asks again, pulling nothing meanwhile. Measured on a
 * loopback cluster: 11.5 to 17 s without a delivery, longer under load.
 *
 * So this watches each consume() itself: when neither a message nor a heartbeat (nor another
 * status from the server) came for two heartbeat intervals, or when the consume ends or fails
 * without stop(), it stops that consume, fetches the consumer again (`refetch`, retried with a
 * short backoff) and consumes anew, with a fresh count. Messages go to the sink from the
 * connection's read (consume() with a callback: the client queues nothing), so nothing received
 * is dropped; acks go to the consumer's ack subject whatever the pull; a message the server sent
 * to an abandoned pull is redelivered after the ack timeout. stop() drains the pull's subscription
 * before it stops the consume, so what was on its way then still reaches the sink, and the sink's
 * end() waits until the server has let go of our pull requests, so that a nak made after it is
 * redelivered at once (see finish).
 */
export class ResumingPull {
  private stopped = false;
  private started = false;
  private current: { readonly messages: ConsumerMessages; readonly consumer: Consumer } | undefined;
  private signalStop!: () => void;
  private readonly stopSignal = new Promise<undefined>((resolve) => (this.signalStop = () => resolve(undefined)));

  constructor(
    private first: Consumer | undefined,
    private readonly refetch: () => Promise<Consumer>,
    private readonly options: ResumingPullOptions,
  ) {}

  /** Pulls into `sink` until stop(); then calls sink.end() (after the last message). Once only. */
  start(sink: MessageSink<JsMsg>): void {
    if (this.started) throw new Error('ResumingPull.start() called twice');
    this.started = true;
    this.pull(sink).then(
      () => sink.end(),
      (error: unknown) => sink.end(error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** Ends the pull: the sink's end() follows once the current consume has stopped. */
  stop(): void {
    this.stopped = true;
    if (this.current) finish(this.current.messages, this.current.consumer, this.heartbeatMs);
    this.signalStop();
  }

  private get heartbeatMs(): number {
    return Math.min(30_000, Math.max(500, this.options.expiresMs / 2));
  }

  private async pull(sink: MessageSink<JsMsg>): Promise<void> {
    const { stream, consumer: name, logger } = this.options;
    for (let failures = 0; !this.stopped; ) {
      let consumer = this.first;
      this.first = undefined;
      if (!consumer) {
        try {
          consumer = await Promise.race([this.refetch(), this.stopSignal]);
          if (!consumer) break;
        } catch (error) {
          if (failures === 0) logger.warn(`hopbus nats: cannot fetch consumer ${name} of stream ${stream} to pull again (${describe(error)}); retrying`);
          await this.pause(Math.min(250 * 2 ** failures++, this.heartbeatMs));
          continue;
        }
        if (failures > 0) logger.info?.(`hopbus nats: pulling from consumer ${name} of stream ${stream} again`);
        failures = 0;
      }
      if (this.stopped) break;
      let last = Date.now();
      const messages = await consumer.consume({
        max_messages: this.options.maxMessages,
        expires: this.options.expiresMs,
        callback: (message) => {
          last = Date.now();
          sink.push(message);
        },
      });
      this.current = { messages, consumer };
      if (this.stopped) finish(messages, consumer, this.heartbeatMs);
      const watch = this.watch(messages, () => last, (at) => (last = at));
      const result = await messages.closed();
      watch.cancel();
      this.current = undefined;
      if (this.stopped) break;
      let why = result instanceof Error ? `failed: ${describe(result)}` : 'ended';
      if (watch.stalled) why = `stalled: no message nor heartbeat for ${2 * this.heartbeatMs} ms`;
      logger.warn(`hopbus nats: the pull from consumer ${name} of stream ${stream} ${why}; pulling again`);
      failures = 1;
    }
  }

  /**
   * Stops `messages` once the server has sent nothing for two heartbeat intervals. Only what
   * the server sends counts: messages (`lastActive`), heartbeats, and the statuses that end a
   * pull request.
   */
  private watch(messages: ConsumerMessages, lastActive: () => number, setActive: (at: number) => void): { cancel(): void; readonly stalled: boolean } {
    let stalled = false;
    void (async () => {
      for await (const status of messages.status()) {
        if (status.type === 'heartbeat' || status.type === 'discard') setActive(Date.now());
      }
    })().catch(() => undefined);
    const timer = setInterval(() => {
      if (Date.now() - lastActive() <= 2 * this.heartbeatMs) return;
      stalled = true;
      clearInterval(timer);
      messages.stop();
    }, this.heartbeatMs / 2);
    timer.unref();
    return {
      cancel: () => clearInterval(timer),
      get stalled() {
        return stalled;
      },
    };
  }

  private async pause(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, ms))), this.stopSignal]);
    clearTimeout(timer);
  }
}

/**
 * Stops `messages` without losing what the server already sent, and without leaving pull requests
 * on the server that would swallow a redelivery. Then the consume is stopped (after `limitMs` at
 * the latest, when the connection is down and the round trips wait), which ends the pull.
 *
 * 1. The subscription is drained: consume()'s stop() unsubscribes at once, and a message on its
 *    way then is dropped by the client and waits out the ack timeout. Drained, the server has seen
 *    the unsubscribe (and delivers nothing more to our pull requests), and what arrived before the
 *    round trip still goes to the sink.
 * 2. The consumer's info is asked for: the server drops the pull requests that nobody listens to
 *    any more when it reports them (num_waiting); otherwise it keeps them until they expire or its
 *    delivery loop next waits. While only such requests wait, nats-server 2.9 loses a redelivery
 *    (a nak, an ack timeout): it takes the message off its redelivery queue, finds no request to
 *    send it to, and steps its next stream sequence back as if the message had been a new one. The
 *    nacked message then comes again only after ack_wait, and the last one delivered comes twice.
 */
function finish(messages: ConsumerMessages, consumer: Consumer, limitMs: number): void {
  // Not in the client's types: the subscription on the pull's inbox.
  const sub = (messages as unknown as { sub?: { drain(): Promise<void>; isClosed(): boolean } }).sub;
  let drained: Promise<void>;
  try {
    drained = sub && !sub.isClosed() ? sub.drain() : Promise.resolve();
  } catch {
    drained = Promise.resolve();
  }
  const forgotten = drained
    .catch(() => undefined)
    .then(() => consumer.info())
    .then(
      () => undefined,
      () => undefined,
    );
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)));
  void Promise.race([forgotten, limit]).then(() => {
    clearTimeout(timer);
    messages.stop();
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
