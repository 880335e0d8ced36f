import { PullGroup, PullSubscription } from '@hopbus/core';
import type { SubscribeOptions } from '@hopbus/core';
import type { Settlement } from '@hopbus/core';
import { ArrivalQueue } from './ArrivalQueue.js';
import type { MessageSink, MessageSource, NatsSettlement } from './MessageSource.js';
import type { NatsDelivery } from './NatsDelivery.js';

/** Settlements applied in one go at most; more wait for the next batch (or the next turn of the event loop). */
const settleBatch = 128;

/**
 * One consumer of a group over a MessageSource; see PullSubscription for the pull window, drain
 * and abort. Messages arrive into a local queue (on JetStream the server bounds it: max_ack_pending =
 * maxInFlight; on core NATS only the subscriber's pace does) and are handed out while fewer than `maxInFlight` are unsettled.
 *
 * Settlements are applied in batches, in the order they were made: when `settleBatch` are
 * waiting, when the queue runs dry, at the next turn of the event loop, and always before
 * `closed` resolves. The client writes what is applied within one task in one socket write, so
 * acks cost a write per batch, not one each.
 *
 * drain() and abort() first stop the source and give back what arrived but was never handed out
 * (after which drain waits for what was handed out to be settled, abort nacks it). When the source
 * ends by itself the subscription drains, with its error when it failed.
 */
export class NatsSubscription<M> extends PullSubscription<NatsDelivery<M>, PullGroup<NatsDelivery<M>>> implements MessageSink<M> {
  private readonly queue = new ArrivalQueue<M>();
  private readonly outbox: [M, NatsSettlement, number][] = [];
  /** Naks made while the source stops: sent once it has ended (see flush). */
  private readonly heldBackNaks: [M, NatsSettlement, number][] = [];
  private flushScheduled = false;
  private stopped = false;
  private ended = false;
  private signalEnded!: () => void;
  private readonly sourceEnded = new Promise<void>((resolve) => (this.signalEnded = resolve));
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly source: MessageSource<M>,
    options: SubscribeOptions,
    onEnd: (subscription: NatsSubscription<M>) => void,
  ) {
    super(new PullGroup<NatsDelivery<M>>(), options, () => {
      this.flush();
      onEnd(this);
    });
    source.start(this);
  }

  push(message: M): void {
    this.queue.push(message);
    this.group.wakeAll();
  }

  end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.signalEnded();
    if (this.stopped) return;
    if (error) {
      this.group.failure = error;
      this.group.wakeAll();
    } else {
      void this.drain();
    }
  }

  protected take(at: number): NatsDelivery<M> | undefined {
    const message = this.stopped ? undefined : this.queue.shift();
    if (message === undefined) {
      this.flush();
      return undefined;
    }
    return this.source.toDelivery(message, this, at + this.options.ackTimeoutMs);
  }

  protected release(delivery: NatsDelivery<M>, how: Settlement, delayMs: number): void {
    this.enqueue(delivery.message, how, delayMs);
  }

  override touch(delivery: NatsDelivery<M>): void {
    super.touch(delivery);
    if (!delivery.settled) this.enqueue(delivery.message, 'working', 0);
  }

  override async drain(): Promise<void> {
    await this.stopSource();
    return super.drain();
  }

  /** Ends at once: unsettled deliveries are nacked so that the group gets them again soon. */
  override async abort(): Promise<void> {
    await this.stopSource();
    super.abort();
  }

  /** Stops the source; once it has ended, gives back what was never handed out. */
  private stopSource(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      this.source.stop();
      await this.sourceEnded;
      // Handed out before the rest of the queue, so given back before it: order per key holds.
      for (const settlement of this.heldBackNaks.splice(0)) this.apply(settlement);
      await this.source.release(this.queue.takeAll()).catch(() => undefined);
    })();
    return this.stopping;
  }

  private enqueue(message: M, how: NatsSettlement, delayMs: number): void {
    if (this.source.inert?.has(how)) return;
    this.outbox.push([message, how, delayMs]);
    if (this.outbox.length >= settleBatch) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /**
   * Applies what waits in the outbox, except naks made while the source stops: until it has
   * ended, the server may still hold our pull requests, and nats-server 2.9 loses a redelivery
   * then (see ResumingPull's finish): the message would come again only after the ack timeout,
   * behind later ones of its key, with one delivery more. Those naks wait for stopSource().
   */
  private flush(): void {
    this.flushScheduled = false;
    if (this.outbox.length === 0) return;
    const holdNaks = this.stopped && !this.ended;
    for (const settlement of this.outbox.splice(0)) {
      if (holdNaks && settlement[1] === 'nack') this.heldBackNaks.push(settlement);
      else this.apply(settlement);
    }
  }

  private apply([message, how, delayMs]: [M, NatsSettlement, number]): void {
    try {
      this.source.settle(message, how, delayMs);
    } catch {
      // The connection is closed: the server redelivers after the ack timeout.
    }
  }
}
