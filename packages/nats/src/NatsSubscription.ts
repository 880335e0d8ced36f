import type { Delivery, SubscribeOptions, Subscription } from '@hopbus/core';
import type { NatsDelivery, Settlement, SettlementSink } from './NatsDelivery.js';

/** What a subscription reads from: JetStream pull messages, or a core NATS queue subscription. */
export interface MessageSource<M> {
  /** Ends once stop() was called and what had arrived was yielded; throws when the source fails. */
  readonly messages: AsyncIterable<M>;
  stop(): void;
  toDelivery(message: M, sink: SettlementSink): NatsDelivery;
  /** Applies a settlement to the message (ack, nak with delay, term, working). */
  settle(message: M, how: Settlement, delayMs: number): void;
  /**
   * Gives back, once the source has ended, the messages that arrived but were never handed out
   * (JetStream naks them so that the group gets them again at once).
   */
  release(messages: readonly M[]): Promise<void>;
}

const done: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * One consumer of a group over a MessageSource. Messages arrive into a local queue (the server
 * bounds it: max_ack_pending = maxInFlight); iterating hands them out while fewer than
 * `maxInFlight` are unsettled, and waits without polling otherwise. drain() stops the source,
 * gives back what was never handed out, and resolves once what was handed out is settled.
 */
export class NatsSubscription<M> implements Subscription, SettlementSink {
  private readonly queue: M[] = [];
  private readonly handedOut = new Map<NatsDelivery, M>();
  private draining = false;
  private sourceEnded = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private finished = false;
  private resolveClosed!: (value: void | Error) => void;
  readonly closed: Promise<void | Error> = new Promise((resolve) => (this.resolveClosed = resolve));

  constructor(
    private readonly source: MessageSource<M>,
    private readonly options: SubscribeOptions,
    private readonly onEnd: (subscription: NatsSubscription<M>) => void,
  ) {
    void this.pump();
  }

  [Symbol.asyncIterator](): AsyncIterator<Delivery> {
    return { next: () => this.next(), return: async () => (await this.drain(), done) };
  }

  private async pump(): Promise<void> {
    try {
      for await (const message of this.source.messages) {
        this.queue.push(message);
        this.wake?.();
      }
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
    }
    if (this.draining) await this.source.release(this.queue.splice(0)).catch(() => undefined);
    this.sourceEnded = true;
    this.wake?.();
    this.finishIfIdle();
  }

  private async next(): Promise<IteratorResult<Delivery, undefined>> {
    for (;;) {
      if (this.draining) return done;
      if (this.handedOut.size < this.options.maxInFlight && this.queue.length > 0) {
        const message = this.queue.shift()!;
        const delivery = this.source.toDelivery(message, this);
        this.handedOut.set(delivery, message);
        return { done: false, value: delivery };
      }
      if (this.sourceEnded) {
        this.draining = true;
        this.finishIfIdle();
        return done;
      }
      await new Promise<void>((resolve) => {
        this.wake = () => {
          this.wake = undefined;
          resolve();
        };
      });
    }
  }

  settle(delivery: NatsDelivery, how: Settlement, delayMs: number): void {
    if (delivery.settled) return;
    const message = this.handedOut.get(delivery);
    if (message === undefined) return;
    if (how !== 'working') {
      delivery.settled = true;
      this.handedOut.delete(delivery);
    }
    try {
      this.source.settle(message, how, delayMs);
    } catch {
      // The connection is closed: the server redelivers after the ack timeout.
    }
    if (how === 'working') return;
    this.wake?.();
    this.finishIfIdle();
  }

  drain(): Promise<void> {
    this.stop();
    this.finishIfIdle();
    return this.closed.then(() => undefined);
  }

  /** Ends at once: unsettled deliveries are nacked so that the group gets them again soon. */
  abort(): Promise<void> {
    this.stop();
    for (const delivery of [...this.handedOut.keys()]) delivery.nack(0);
    return this.closed.then(() => undefined);
  }

  private stop(): void {
    if (this.draining && this.sourceEnded) return;
    this.draining = true;
    this.source.stop();
    this.wake?.();
  }

  private finishIfIdle(): void {
    if (this.finished || !this.draining || !this.sourceEnded || this.handedOut.size > 0) return;
    this.finished = true;
    this.onEnd(this);
    this.resolveClosed(this.failure);
  }
}
