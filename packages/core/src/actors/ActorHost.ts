import type { Container } from 'inversify';
import type { ActorMetadata } from '../decorators/metadata.js';
import { publishersOf, stateFieldsOf } from '../decorators/metadata.js';
import { HopbusError } from '../errors/HopbusError.js';
import { PullDelivery } from '../pull/PullDelivery.js';
import type { DeliveryContext } from '../runtime/DeliveryContext.js';
import type { PublishOptions, Publisher } from '../runtime/Publisher.js';
import type { ServiceClass } from '../runtime/resolveBindings.js';
import type { Topic } from '../topic/Topic.js';
import type { ActorTurns } from '../transport/Transport.js';
import { monotonicMs } from '../util/monotonicMs.js';
import { Activation } from './Activation.js';
import { HeldTurn } from './HeldTurn.js';
import { KeyedTurns } from './KeyedTurns.js';
import { decodeStored, encodeStored, fieldsJson, parseFields, restoreState } from './stateCodec.js';
import { TurnContext } from './TurnContext.js';
import type { HoldPublish } from './TurnContext.js';

/** The handler a turn runs: its method, and the group it consumes in (which names the input stream). */
export interface TurnHandler {
  readonly method: string | symbol;
  readonly group: string;
}

type Messages = readonly { readonly payload: unknown; readonly options?: PublishOptions }[];

/** What a host needs from the bus. */
export interface ActorHostServices {
  readonly container: Container;
  readonly turns: ActorTurns;
  /** Holds a turn's publish() call until the turn commits. */
  readonly holdPublish: HoldPublish;
  /** A `@Publishes` field used outside a turn (a timer of the instance): publishes at once, as bus.publish does. */
  readonly publishNow: (topic: Topic<unknown>, messages: Messages) => Promise<void>;
  /** The largest encoded state of one key. */
  readonly maxStateBytes: number;
}

/**
 * Runs one keyed actor type: one instance per key, made through the container when its first
 * message arrives and its `@State()` fields restored from the last committed turn; one turn at a
 * time per key, whichever handler it is for; each turn's state, publishes and input committed
 * together through the transport; a failed turn rolled back to the committed state. Instances
 * idle for `idleMs`, or beyond `maxActive` (least recently used first), are dropped from memory.
 */
export class ActorHost {
  private readonly live = new Map<string, Activation>();
  private readonly turns = new KeyedTurns();
  private readonly stateFields: readonly string[];
  private readonly liveInstances = new WeakSet<object>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly service: ServiceClass,
    private readonly actor: ActorMetadata,
    private readonly services: ActorHostServices,
  ) {
    this.stateFields = stateFieldsOf(service.prototype as object);
  }

  get name(): string {
    return this.actor.name;
  }

  /** Instances in memory now. */
  get activeCount(): number {
    return this.live.size;
  }

  start(): void {
    const everyMs = Math.max(5, Math.min(this.actor.idleMs / 2, 10_000));
    this.sweeper = setInterval(() => this.passivateIdle(monotonicMs()), everyMs);
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
    this.live.clear();
  }

  /** Handles one message as a turn of its key's instance; resolves once the turn committed, rejects (rolled back) when it did not. */
  turn(key: string, cause: DeliveryContext, handler: TurnHandler, payload: unknown): Promise<void> {
    return this.turns.run(key, () => this.runTurn(key, cause, handler, payload));
  }

  /**
   * Makes two instances, as start() checks that the container can make them and gives each key
   * its own; returns the first (the bus reads its handlers from it, and drops it).
   */
  probe(): object {
    const first = this.create();
    this.liveInstances.add(first);
    try {
      this.create();
    } finally {
      this.liveInstances.delete(first);
    }
    return first;
  }

  /** A new instance from the container, never one a live key uses. */
  private create(): object {
    let instance: object;
    try {
      instance = this.services.container.get<object>(this.service);
    } catch (cause) {
      throw new HopbusError('config', `Actor ${this.actor.name} could not be created by the container: ${(cause as Error).message}`, { cause });
    }
    if (this.liveInstances.has(instance)) {
      throw new HopbusError(
        'config',
        `The container gave actor ${this.actor.name} an instance that another key already uses: a keyed actor needs a new instance per key. Bind it without inSingletonScope(), or leave the binding to the bus.`,
      );
    }
    return instance;
  }

  private async runTurn(key: string, cause: DeliveryContext, { method, group }: TurnHandler, payload: unknown): Promise<void> {
    const activation = await this.activate(key);
    const { delivery } = cause;
    const input = `${delivery.topic}\u0000${group}\u0000${delivery.partition}`;
    const applied = activation.inputs[input];
    // Committed already: it came again (after a crash, before the group's position caught up).
    if (applied !== undefined && delivery.offset <= applied) return;
    const turn = new HeldTurn(cause);
    activation.turn = turn;
    let committing = false;
    try {
      const { instance } = activation;
      await (instance as Record<string | symbol, (p: unknown, c: unknown) => unknown>)[method]!.call(instance, payload, new TurnContext(turn, this.services.holdPublish));
      const records = await turn.records();
      const fields = turn.deletesState ? null : fieldsJson(this.actor.name, instance, this.stateFields);
      const inputs = { ...activation.inputs, [input]: delivery.offset };
      const state = encodeStored(this.actor.name, fields, inputs, this.services.maxStateBytes);
      if (delivery instanceof PullDelivery && delivery.settled) {
        // Handed back when the bus stopped: committing it would apply the message twice.
        throw new HopbusError(
          'publish_failed',
          `The turn of actor ${this.actor.name} for key ${key} was not committed: its message was settled already (handed back when the bus stopped), and it will be handled again.`,
        );
      }
      committing = true;
      await this.services.turns.commitTurn({ actor: this.actor.name, key, state, records, input: delivery });
      turn.committed();
      activation.inputs = inputs;
      if (fields === null) this.passivate(activation);
      else activation.committedFields = fields;
    } catch (error) {
      turn.failed(error);
      // A commit that failed may have been stored all the same (a write reported lost, a reply
      // that timed out): the next turn reads the key back from the store, inputs applied included.
      if (committing) this.passivate(activation);
      else restoreState(activation.instance, this.stateFields, parseFields(this.actor.name, activation.committedFields), 'clear');
      throw error;
    } finally {
      activation.turn = undefined;
      activation.lastUsed = monotonicMs();
    }
  }

  /** The key's live instance (now the most recently used), or a new one with its committed state. */
  private async activate(key: string): Promise<Activation> {
    const live = this.live.get(key);
    if (live !== undefined) {
      this.live.delete(key);
      this.live.set(key, live);
      return live;
    }
    const bytes = await this.services.turns.loadState(this.actor.name, key);
    const stored = bytes === undefined ? undefined : decodeStored(this.actor.name, bytes);
    const instance = this.create();
    if (stored?.fields) restoreState(instance, this.stateFields, stored.fields, 'keep');
    const activation = new Activation(key, instance, fieldsJson(this.actor.name, instance, this.stateFields), stored?.inputs ?? {}, monotonicMs());
    this.injectPublishers(activation);
    this.live.set(key, activation);
    this.liveInstances.add(instance);
    this.passivateOverLimit();
    return activation;
  }

  /** Each `@Publishes` field of the instance holds into its running turn. */
  private injectPublishers(activation: Activation): void {
    const { holdPublish, publishNow } = this.services;
    for (const { field, topic } of publishersOf(this.service.prototype as object)) {
      const send = (messages: Messages): Promise<void> => (activation.turn ? holdPublish(activation.turn, topic, messages) : publishNow(topic, messages));
      const publisher: Publisher<unknown> = {
        topic: topic.name,
        publish: (payload, options) => send([{ payload, options }]),
        publishBatch: (messages) => send(messages),
      };
      Object.defineProperty(activation.instance, field, { value: publisher, writable: false, enumerable: false, configurable: true });
    }
  }

  private passivate(activation: Activation): void {
    if (this.live.get(activation.key) === activation) this.live.delete(activation.key);
    this.liveInstances.delete(activation.instance);
  }

  /** Drops the least recently used instances beyond maxActive; one with a turn running or waiting stays. */
  private passivateOverLimit(): void {
    if (this.live.size <= this.actor.maxActive) return;
    for (const activation of this.live.values()) {
      if (this.live.size <= this.actor.maxActive) return;
      if (!this.turns.busy(activation.key)) this.passivate(activation);
    }
  }

  private passivateIdle(now: number): void {
    for (const activation of this.live.values()) {
      if (now - activation.lastUsed >= this.actor.idleMs && !this.turns.busy(activation.key)) this.passivate(activation);
    }
  }
}
