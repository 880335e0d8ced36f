import { Container } from 'inversify';
import type { Newable } from 'inversify';
import { ActorHost } from '../actors/ActorHost.js';
import type { HeldTurn } from '../actors/HeldTurn.js';
import { decodeStored } from '../actors/stateCodec.js';
import type { ActorMetadata } from '../decorators/metadata.js';
import { HopbusError } from '../errors/HopbusError.js';
import type { Topic } from '../topic/Topic.js';
import { checkIsTopic } from '../topic/checkIsTopic.js';
import type { PublishTrace } from '../tracing/PublishTrace.js';
import { Tracing } from '../tracing/Tracing.js';
import type { TracingOptions } from '../tracing/TracingOptions.js';
import type { ActorTurns, OutgoingRecord, Transport } from '../transport/Transport.js';
import { now } from '../util/now.js';
import { Consumer } from './Consumer.js';
import type { Cause } from './currentCause.js';
import { currentCause } from './currentCause.js';
import { InOrder } from './InOrder.js';
import type { Logger } from './Logger.js';
import { PublishGathering } from './PublishGathering.js';
import type { PublishOptions, Publisher } from './Publisher.js';
import { RecordFactory } from './RecordFactory.js';
import { actorMetadata, resolveBindings } from './resolveBindings.js';
import type { ServiceClass } from './resolveBindings.js';
import { topologyOf } from './Topology.js';
import type { Topology } from './Topology.js';
import { validatePayload } from './validatePayload.js';

export interface StopOptions {
  /** How long running handlers may take to finish before their signal fires (default 10 s). */
  readonly timeoutMs?: number;
}

type BusState = 'created' | 'starting' | 'started' | 'stopping' | 'stopped';

/** Runs actors on a transport. Made by `createBus()`. */
export class Bus {
  private state: BusState = 'created';
  private consumers: Consumer[] = [];
  private hosts: ActorHost[] = [];
  private connecting: Promise<void> | undefined;
  private connected = false;
  private readonly records: RecordFactory;
  private stopping: Promise<void> | undefined;
  /** Held from start to stop while the bus has subscriptions. */
  private keepAlive: NodeJS.Timeout | undefined;
  private readonly tracing: Tracing;
  /** publish() calls of one turn of the event loop, sent together (each with its own span when traced). */
  private readonly gathering: PublishGathering;
  /** Keeps publishes in call order while a schema answers asynchronously. */
  private readonly validatedInOrder = new InOrder();

  constructor(
    readonly transport: Transport,
    private readonly services: readonly ServiceClass[],
    readonly container: Container,
    private readonly logger: Logger,
    maxMessageBytes: number,
    tracing: TracingOptions = {},
  ) {
    this.records = new RecordFactory(maxMessageBytes);
    this.tracing = new Tracing(transport.kind, tracing);
    // Each gathered call has its own span already (see publishCaused): the records go as they are.
    this.gathering = new PublishGathering(this.records, (records) => this.send(records, this.publishRecords));
  }

  /** Connects, creates the actors, injects their publishers and starts every subscription. */
  async start(): Promise<void> {
    if (this.state !== 'created') throw new HopbusError('config', `The bus was already ${this.state}: create a new bus to start again.`);
    this.state = 'starting';
    try {
      await this.connect();
      const bindings = resolveBindings(
        this.services,
        this.container,
        (topic) => this.publisherFor(topic),
        (service, actor) => this.hostOf(service, actor),
      );
      for (const host of this.hosts) host.start();
      this.consumers = bindings.map((binding) => new Consumer(binding, this.transport, this.publishCaused, this.logger, this.tracing));
      for (const consumer of this.consumers) await consumer.start();
      // Whatever the transport holds open (a log's timers are unref'd, memory holds nothing), a
      // bus with subscriptions keeps the process alive until it is stopped.
      if (this.consumers.length > 0) this.keepAlive = setInterval(() => undefined, 1 << 30);
      this.state = 'started';
    } catch (error) {
      this.state = 'started';
      await this.stop({ timeoutMs: 0 });
      throw error;
    }
  }

  /** Resolves once the transport holds the message durably. Inside a handler, correlation is carried over. */
  publish<T>(topic: Topic<T>, payload: T, options?: PublishOptions): Promise<void> {
    return this.publishCaused(topic, payload, options, currentCause.getStore());
  }

  /** One transport call for many messages of one topic; they share one timestamp. */
  async publishBatch<T>(topic: Topic<T>, messages: readonly { readonly payload: T; readonly options?: PublishOptions }[]): Promise<void> {
    checkIsTopic(topic as Topic<unknown>, 'bus.publishBatch');
    this.gathering.flush(); // publish() calls made before this one go first
    const created = this.validatedInOrder.next(this.records.createAll(topic, messages, currentCause.getStore(), now()));
    await (created instanceof Promise ? created.then((records) => this.sendAfterGathered(records)) : this.send(created));
  }

  /**
   * The committed state of a keyed actor's instance (its `@State()` fields as the last committed
   * turn left them), or undefined when the key has none: for tests and queries. Reads the
   * transport, not the instance in memory, so a turn still running is not seen.
   */
  async actorState<A extends object>(actor: Newable<A>, key: string): Promise<Partial<A> | undefined> {
    const metadata = actorMetadata(actor);
    if (!metadata.keyed) throw new HopbusError('config', `Actor ${metadata.name} is not keyed: only @Actor(name, { keyed: true }) has state.`);
    await this.connect();
    const stored = await this.actorTurns(metadata.name).loadState(metadata.name, key);
    const fields = stored === undefined ? null : decodeStored(metadata.name, stored).fields;
    return fields === null ? undefined : (fields as Partial<A>);
  }

  /** Every declared publisher and subscriber, from the decorators. */
  topology(): Topology {
    return topologyOf(this.services);
  }

  /**
   * Drains: stops pulling, lets running handlers finish (their signal fires at the timeout),
   * settles what finished, then closes the transport. Idempotent.
   */
  stop(options: StopOptions = {}): Promise<void> {
    this.stopping ??= this.drainAndClose(options.timeoutMs ?? 10_000);
    return this.stopping;
  }

  /** Stops on SIGINT or SIGTERM, then exits the process. Returns a function that removes the handlers. */
  stopOnSignals(options: StopOptions & { readonly exit?: boolean } = {}): () => void {
    const onSignal = (signal: NodeJS.Signals): void => {
      this.logger.info(`Received ${signal}: draining.`);
      this.stop(options).then(
        () => options.exit !== false && process.exit(0),
        (error: unknown) => {
          this.logger.error('Stopping failed.', { error: (error as Error).message });
          if (options.exit !== false) process.exit(1);
        },
      );
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    return () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  }

  private async drainAndClose(timeoutMs: number): Promise<void> {
    this.state = 'stopping';
    try {
      await Promise.all(this.consumers.map((consumer) => consumer.stop(timeoutMs)));
      for (const host of this.hosts) host.stop();
      await this.transport.close();
    } finally {
      clearInterval(this.keepAlive);
      this.state = 'stopped';
    }
  }

  /**
   * Not async. The valid message joins the other publish() calls of this turn of the event loop
   * (see PublishGathering); traced, under a span of its own opened now, in the caller's context.
   */
  private readonly publishCaused = <T>(topic: Topic<T>, payload: T, options: PublishOptions | undefined, cause: Cause | undefined): Promise<void> => {
    try {
      checkIsTopic(topic as Topic<unknown>, 'bus.publish');
      const validated = this.validatedInOrder.next(validatePayload(topic.name, topic.schema, payload));
      return validated instanceof Promise
        ? validated.then((value) => this.gathering.add(topic as Topic<unknown>, value, options, cause, this.publishTrace(topic)))
        : this.gathering.add(topic as Topic<unknown>, validated, options, cause, this.publishTrace(topic));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  };

  /** The span of one publish() call, while tracing is on. */
  private publishTrace(topic: Topic<unknown>): PublishTrace | undefined {
    return this.tracing.isOff() ? undefined : this.tracing.startGathered(topic.name);
  }

  /** Sends `records` after the publish() calls gathered so far: they were made before. */
  private sendAfterGathered(records: OutgoingRecord[]): Promise<void> {
    this.gathering.flush();
    return this.send(records);
  }

  /** Sends `records` through `publish` (by default under one publish span); rejects (never throws) when the bus is stopped or the transport refuses. */
  private send(records: OutgoingRecord[], publish: (records: readonly OutgoingRecord[]) => Promise<void> = this.publishTraced): Promise<void> {
    if (this.state === 'stopped') {
      return Promise.reject(new HopbusError('transport_closed', 'The bus was stopped: it publishes nothing more. Create a new bus to go on.'));
    }
    if (!this.connected) return this.connect().then(() => publish(records));
    try {
      return publish(records);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  private readonly publishRecords = (records: readonly OutgoingRecord[]): Promise<void> => this.transport.publish(records);
  private readonly publishTraced = (records: readonly OutgoingRecord[]): Promise<void> => this.tracing.publish(records, this.publishRecords);

  /** A failed connect is forgotten, so the next publish or start tries again (the server may be back). */
  private connect(): Promise<void> {
    this.connecting ??= this.transport.connect().then(
      () => {
        this.connected = true;
      },
      (error: unknown) => {
        this.connecting = undefined;
        throw error;
      },
    );
    return this.connecting;
  }

  private hostOf(service: ServiceClass, actor: ActorMetadata): ActorHost {
    const host = new ActorHost(service, actor, {
      container: this.container,
      turns: this.actorTurns(actor.name),
      holdPublish: this.holdPublish,
      publishNow: (topic, messages) => this.publishBatch(topic, messages),
      maxStateBytes: this.records.maxMessageBytes,
    });
    this.hosts.push(host);
    return host;
  }

  /** The transport's store of actor state and turns; refuses a transport that has none. */
  private actorTurns(actor: string): ActorTurns {
    const turns = this.transport.actorTurns;
    if (this.transport.features.actorTurns !== true || turns === undefined) {
      throw new HopbusError(
        'unsupported',
        `Actor ${actor} is keyed, but the ${this.transport.kind} transport cannot keep actor state and commit turns. Run keyed actors on a transport that can (memory:, log: and nats: can; see docs/actors.md).`,
      );
    }
    return turns;
  }

  /** Holds the records of one publish() call of a turn (validated, encoded, each call with its own span) until the turn commits. */
  private readonly holdPublish = (turn: HeldTurn, topic: Topic<unknown>, messages: readonly { readonly payload: unknown; readonly options?: PublishOptions }[]): Promise<void> => {
    try {
      checkIsTopic(topic, 'publish');
      return turn.hold(this.records.createAll(topic, messages, turn.cause, now()), this.publishTrace(topic));
    } catch (error) {
      return turn.hold(Promise.reject(error as Error), undefined);
    }
  };

  private publisherFor<T>(topic: Topic<T>): Publisher<T> {
    return {
      topic: topic.name,
      publish: (payload, options) => this.publishCaused(topic, payload, options, currentCause.getStore()),
      publishBatch: (messages) => this.publishBatch(topic, messages),
    };
  }
}

export function newContainer(): Container {
  return new Container();
}
