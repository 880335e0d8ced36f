import { HopbusError } from '../errors/HopbusError.js';
import { ProcessTrace } from '../tracing/ProcessTrace.js';
import type { Tracing } from '../tracing/Tracing.js';
import type { Delivery, OutgoingRecord, Subscription, Transport } from '../transport/Transport.js';
import { isPromiseLike } from '../util/isPromiseLike.js';
import { TurnBudget } from '../util/TurnBudget.js';
import { currentCause } from './currentCause.js';
import { deadLetterRecord } from './deadLetterRecord.js';
import { DeliveryContext } from './DeliveryContext.js';
import { InOrder } from './InOrder.js';
import type { CausedPublish } from './DeliveryContext.js';
import type { HandlerBinding } from './HandlerBinding.js';
import type { Logger } from './Logger.js';
import { Mailboxes } from './Mailboxes.js';
import { backoffDelay } from './retry.js';
import { validatePayload } from './validatePayload.js';

/**
 * Deliveries handed to handlers between two turns of the event loop. A subscription that always
 * has the next record ready resolves its promises as microtasks, which would keep timers, I/O
 * (a transport's own reads, an HTTP server beside the bus) and signal handlers waiting for as
 * long as the backlog lasts.
 */
const deliveriesPerTurn = 1024;

/**
 * Runs one handler: pulls from its subscription only while the pull window has room, routes
 * each message to the mailbox of its key, retries a throwing handler in place, dead-letters
 * what still fails, and settles every delivery exactly once.
 */
export class Consumer {
  private subscription: Subscription | undefined;
  private pulling: Promise<void> = Promise.resolve();
  private readonly mailboxes: Mailboxes<DeliveryContext>;
  /** Settles under way outside the mailboxes: dead letters before a handler, asynchronous schema checks. */
  private readonly outside = new Set<Promise<void>>();
  /** Why the subscription ended, when it failed (see reportFailure). */
  failure: Error | undefined;
  /** Deliveries whose handling is under way (asynchronous): kept alive until it settles. */
  private readonly running = new Set<Delivery>();
  /** Restarts the ack timeout of every delivery held (queued or running), three times per timeout. */
  private keepAlive: NodeJS.Timeout | undefined;
  private stopping = false;
  /** Wakes retry back-offs when the bus stops. */
  private readonly stopRequested = new AbortController();
  /** Resolves when the bus stops. */
  private readonly stopped = new Promise<void>((resolve) => this.stopRequested.signal.addEventListener('abort', () => resolve(), { once: true }));
  /** Given to handlers: fires when the drain timeout passes. */
  private readonly drainTimedOut = new AbortController();
  /** drainTimedOut's signal, read once: the getter costs a call per message. */
  private readonly drainSignal = this.drainTimedOut.signal;
  /** Routes messages in their order when a schema answers asynchronously, so order per key holds. */
  private readonly validatedInOrder = new InOrder();

  constructor(
    readonly binding: HandlerBinding,
    private readonly transport: Transport,
    private readonly causedPublish: CausedPublish,
    private readonly logger: Logger,
    private readonly tracing: Tracing,
  ) {
    this.mailboxes = new Mailboxes(binding.concurrency, (context) => this.handle(context));
  }

  async start(): Promise<void> {
    const { topic, group, start, maxInFlight, ackTimeoutMs } = this.binding;
    this.subscription = await this.transport.subscribe(topic.name, { group, start, maxInFlight, ackTimeoutMs, durable: topic.durable });
    this.pulling = this.pull(this.subscription);
    this.keepAlive = setInterval(() => {
      this.mailboxes.forEachHeld((context) => context.delivery.working());
      for (const delivery of this.running) delivery.working();
    }, Math.max(1, Math.floor(ackTimeoutMs / 3)));
    this.keepAlive.unref();
  }

  private async pull(subscription: Subscription): Promise<void> {
    try {
      const turns = new TurnBudget(deliveriesPerTurn);
      for await (const delivery of subscription) {
        this.dispatch(delivery);
        let taken = 1;
        let alone = delivery.deliveryCount > 1;
        if (!alone) {
          const burst = this.dispatchReady(subscription);
          taken += burst.taken;
          alone = burst.endedOnRedelivery;
        }
        if (alone) await this.settledOrStopping();
        const turn = turns.spend(taken);
        if (turn) await turn;
      }
    } catch (error) {
      if (!this.stopping) this.reportFailure(error);
      return;
    }
    const ended = await subscription.closed;
    if (ended instanceof Error && !this.stopping) this.reportFailure(ended);
  }

  /**
   * A subscription that failed (its iteration threw, or it ended with an error, as a log that
   * meets a corrupt batch does) receives nothing more: said loudly, never taken for an idle consumer.
   */
  private reportFailure(error: unknown): void {
    this.failure = error instanceof Error ? error : new Error(String(error));
    const fields: Record<string, unknown> = { error: this.failure.message };
    if (HopbusError.is(error)) fields['code'] = error.code;
    for (const name of ['file', 'position'] as const) {
      const value = (error as Record<string, unknown> | null)?.[name];
      if (value !== undefined) fields[name] = value;
    }
    this.logger.error(`The subscription of ${this.describe()} failed; it receives nothing more until the bus restarts.`, fields);
  }

  /**
   * Takes what is ready without waiting, at most one pull window per burst so that a stream
   * that never runs dry still lets the iteration (and with it the event loop) turn. Ends early
   * after a redelivery, which runs alone.
   */
  private dispatchReady(subscription: Subscription): { taken: number; endedOnRedelivery: boolean } {
    let taken = 0;
    if (subscription.poll === undefined) return { taken, endedOnRedelivery: false };
    while (taken < this.binding.maxInFlight && !this.stopping) {
      const delivery = subscription.poll();
      if (delivery === undefined) break;
      taken++;
      this.dispatch(delivery);
      if (delivery.deliveryCount > 1) return { taken, endedOnRedelivery: true };
    }
    return { taken, endedOnRedelivery: false };
  }

  /**
   * A delivery that comes again (deliveryCount above 1) may be one whose handler ended the
   * process last time: nothing more is pulled until it and everything before it has settled, so
   * that if it ends the process again it is the only one the transport counts, and the others
   * held with it do not reach maxDeliveries along with it.
   */
  private async settledOrStopping(): Promise<void> {
    await Promise.race([this.settled(), this.stopped]);
  }

  /** Resolves once no handler runs and no settle is under way outside the mailboxes. */
  private async settled(): Promise<void> {
    for (;;) {
      await this.mailboxes.idle();
      if (this.outside.size === 0) return;
      await Promise.allSettled(this.outside);
    }
  }

  /** Keeps `work` (a settle that runs outside the mailboxes) in `outside` until it is done. */
  private outsideMailboxes(work: Promise<void>): void {
    this.outside.add(work);
    void work.finally(() => this.outside.delete(work));
  }

  private dispatch(delivery: Delivery): void {
    if (delivery.deliveryCount > this.binding.maxDeliveries) {
      const error = new HopbusError(
        'max_deliveries',
        `The message was delivered ${delivery.deliveryCount} times without being settled (over maxDeliveries ${this.binding.maxDeliveries}): its handler may crash the process, or the consumer kept stopping with it.`,
      );
      this.outsideMailboxes(this.deadLetter(delivery, error, 0));
      return;
    }
    let payload: unknown;
    try {
      payload = this.binding.topic.codec.decode(delivery.data);
    } catch (cause) {
      const error = new HopbusError('decode', `The payload could not be decoded: ${(cause as Error).message}`, { cause });
      this.outsideMailboxes(this.deadLetter(delivery, error, 0));
      return;
    }
    let validated: unknown;
    try {
      validated = this.validatedInOrder.next(validatePayload(this.binding.topic.name, this.binding.topic.schema, payload));
    } catch (error) {
      this.outsideMailboxes(this.deadLetter(delivery, error, 0));
      return;
    }
    if (validated instanceof Promise) {
      this.outsideMailboxes(
        validated.then(
          (value: unknown) => this.route(delivery, value),
          (error: unknown) => this.deadLetter(delivery, error, 0),
        ),
      );
      return;
    }
    this.route(delivery, validated);
  }

  private route(delivery: Delivery, payload: unknown): void {
    let key: string | undefined;
    try {
      key = this.binding.key ? this.binding.key(payload) : delivery.key;
    } catch (error) {
      this.outsideMailboxes(this.deadLetter(delivery, error, 0));
      return;
    }
    if (key === undefined && this.binding.keyed) {
      const error = new HopbusError(
        'actor_key_missing',
        `Actor ${this.binding.actor} is keyed, and this message has no key to pick its instance: publish it with { key }, or give @Subscribe a key function.`,
      );
      this.outsideMailboxes(this.deadLetter(delivery, error, 0));
      return;
    }
    if (this.stopping) delivery.nack(0);
    else this.mailboxes.push(key, new DeliveryContext(delivery, payload, this.drainSignal, this.causedPublish));
  }

  /**
   * Never rejects: every outcome settles the delivery. A handler that returns without a promise
   * settles synchronously and no promise is made; the retry path is in `recover()`.
   */
  private handle(context: DeliveryContext): Promise<void> | undefined {
    const { delivery } = context;
    const traced = this.tracing.startProcess(delivery, this.binding);
    let result: unknown;
    try {
      result = this.invoke(context, traced);
    } catch (error) {
      return this.tracked(delivery, this.recover(context, traced, error));
    }
    if (isPromiseLike(result)) {
      return this.tracked(
        delivery,
        Promise.resolve(result).then(
          () => this.succeeded(delivery, traced),
          (error: unknown) => this.recover(context, traced, error),
        ),
      );
    }
    this.succeeded(delivery, traced);
    return undefined;
  }

  /** One handler call, inside the trace's and the cause's context when they are needed. */
  private invoke(context: DeliveryContext, traced: ProcessTrace): unknown {
    return traced === ProcessTrace.none ? this.callHandler(context) : traced.run(() => this.callHandler(context));
  }

  private callHandler(context: DeliveryContext): unknown {
    const { call, tracksCause } = this.binding;
    return tracksCause ? currentCause.run(context, call, context.payload, context) : call(context.payload, context);
  }

  private succeeded(delivery: Delivery, traced: ProcessTrace): void {
    delivery.ack();
    traced.end();
  }

  /** Keeps the delivery in `running` until its handling settles, so that stop() can hand it back. */
  private tracked(delivery: Delivery, handling: Promise<void>): Promise<void> {
    this.running.add(delivery);
    return handling.finally(() => this.running.delete(delivery));
  }

  /** After a throw: retries in place with back-off, dead-letters after the last attempt, hands back on stop. */
  private async recover(context: DeliveryContext, traced: ProcessTrace, firstError: unknown): Promise<void> {
    const { delivery } = context;
    const { retry } = this.binding;
    let error = firstError;
    try {
      for (;;) {
        if (context.attempt >= retry.attempts) {
          await this.deadLetter(delivery, error, context.attempt, traced);
          return;
        }
        const delayMs = backoffDelay(retry, context.attempt);
        traced.retry(context.attempt, error, delayMs);
        this.logger.warn(`${this.describe()} failed on attempt ${context.attempt} of ${retry.attempts}; retrying in ${delayMs} ms.`, {
          id: delivery.id,
          error: error instanceof Error ? error.message : String(error),
        });
        if (this.stopping || !(await this.pause(delayMs))) {
          traced.handedBack();
          delivery.nack(0);
          return;
        }
        context.attempt++;
        try {
          const result = this.invoke(context, traced);
          if (isPromiseLike(result)) await result;
          delivery.ack();
          return;
        } catch (next) {
          error = next;
        }
      }
    } finally {
      traced.end();
    }
  }

  /** Waits before a retry (the delivery, tracked as running, is kept alive by keepAlive); false when the bus stops meanwhile. */
  private pause(delayMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const signal = this.stopRequested.signal;
      const onStop = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onStop);
        resolve(true);
      }, delayMs);
      signal.addEventListener('abort', onStop, { once: true });
    });
  }

  /**
   * Publishes the failed delivery to the dead letters, then terms it; if that publish fails, the delivery comes again later.
   * `processing`: its process span (one is opened here for a message that failed before its handler).
   */
  private async deadLetter(delivery: Delivery, error: unknown, attempts: number, processing?: ProcessTrace): Promise<void> {
    const { deadLetter, group } = this.binding;
    const traced = processing ?? this.tracing.startProcess(delivery, this.binding);
    traced.fail(error, attempts);
    try {
      await this.tracing.publish([deadLetterRecord(delivery, deadLetter, group, error, attempts)], this.publishRecords, traced);
      delivery.term();
      this.logger.warn(`${this.describe()} gave up on a message; it is in ${deadLetter}.`, {
        id: delivery.id,
        attempts,
        error: error instanceof Error ? error.message : String(error),
      });
    } catch (publishError) {
      delivery.nack(this.binding.retry.maxDelayMs);
      this.logger.error(`${this.describe()} could not dead-letter a message to ${deadLetter}; it will be delivered again.`, {
        id: delivery.id,
        error: (publishError as Error).message,
      });
    } finally {
      if (processing === undefined) traced.end();
    }
  }

  private readonly publishRecords = (records: readonly OutgoingRecord[]): Promise<void> => this.transport.publish(records);

  /**
   * Stops pulling, hands back what has not started, lets running handlers finish and the settles
   * under way outside them (dead letters, asynchronous schema checks, which hand their message
   * back) end; at the timeout the handlers' signal fires, and what still runs after a short grace
   * is handed back too.
   */
  async stop(timeoutMs: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.stopRequested.abort();
    const drained = this.subscription?.drain() ?? Promise.resolve();
    for (const context of this.mailboxes.takeQueued()) context.delivery.nack(0);
    if (!(await settlesWithin(this.settled(), timeoutMs))) {
      this.drainTimedOut.abort(new HopbusError('handler', `The bus stopped and the drain timeout of ${timeoutMs} ms passed.`));
      if (!(await settlesWithin(this.settled(), Math.min(1000, timeoutMs)))) {
        this.logger.warn(`${this.describe()} did not finish within the drain timeout; its messages will be delivered again.`, {
          unfinished: this.running.size,
        });
        for (const delivery of this.running) delivery.nack(0);
      }
    }
    await drained;
    await this.pulling;
    clearInterval(this.keepAlive);
  }

  private describe(): string {
    return `${this.binding.actor}.${String(this.binding.method)} (${this.binding.topic.name})`;
  }
}

async function settlesWithin(promise: Promise<void>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  const result = await Promise.race([promise.then(() => true), timedOut]);
  clearTimeout(timer);
  return result;
}
