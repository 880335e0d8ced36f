import type { RetryOptions } from '../runtime/retry.js';
import type { StartPosition } from '../transport/Transport.js';
import type { Topic } from '../topic/Topic.js';

/** Options of one `@Subscribe` handler. */
export interface SubscribeHandlerOptions<T> {
  /** The consumer group; by default the actor's name, so instances of one service share the work. */
  readonly group?: string;
  /** The mailbox key: messages with one key are handled one at a time, in order. By default the record's key. */
  readonly key?: (payload: T) => string | undefined;
  /** Mailboxes handled at once (default 1: one message at a time for the actor; a keyed actor's default is 256 keys at once). */
  readonly concurrency?: number;
  /** Retry in place with exponential backoff and jitter before dead-lettering. */
  readonly retry?: RetryOptions;
  /** The dead-letter topic; by default the topic's (`<topic>.dlq`). */
  readonly deadLetter?: string;
  /** Where a group with no position yet begins (default 'earliest': nothing retained is missed). */
  readonly start?: StartPosition;
  /** Unsettled messages held at most (default max(64, 4 × concurrency)): the pull window. */
  readonly maxInFlight?: number;
  /**
   * An unsettled message is delivered again after this (default 30 s). A handler still running
   * keeps its message alive: only a consumer that died or stalled lets the timeout pass.
   */
  readonly ackTimeoutMs?: number;
  /**
   * A message delivered more times than this without being settled (its handler crashed the
   * process, or the consumer kept dying or stalling with it) goes to the dead letters before
   * the handler runs again, code `max_deliveries` (default 10; Infinity turns it off).
   */
  readonly maxDeliveries?: number;
}

export interface SubscriptionMetadata {
  readonly method: string | symbol;
  readonly topic: Topic<unknown>;
  readonly options: SubscribeHandlerOptions<unknown>;
}

export interface PublisherMetadata {
  readonly field: string | symbol;
  readonly topic: Topic<unknown>;
}

/** Options of `@Actor(name, options)`. */
export interface ActorOptions {
  /**
   * One instance per key (the record's key, or the handlers' `key` option), made through the
   * container when its first message arrives, its `@State()` fields restored from the last
   * committed turn. Its handlers run one turn at a time per key. Default false: one instance.
   */
  readonly keyed?: boolean;
  /** A keyed instance idle this long is dropped from memory (its state stays committed). Default 60 s. */
  readonly idleMs?: number;
  /** Keyed instances kept in memory at most; the least recently used goes first. Default 10,000. */
  readonly maxActive?: number;
}

export interface ActorMetadata {
  readonly name: string;
  readonly keyed: boolean;
  readonly idleMs: number;
  readonly maxActive: number;
}

const actorKey = Symbol.for('hopbus:actor');
const subscriptionsKey = Symbol.for('hopbus:subscriptions');
const publishersKey = Symbol.for('hopbus:publishers');
const stateKey = Symbol.for('hopbus:state');

type MetadataHolder = Record<symbol, unknown>;

function own<T>(target: object, key: symbol): T[] {
  const holder = target as MetadataHolder;
  if (!Object.prototype.hasOwnProperty.call(holder, key)) {
    const inherited = (holder[key] as T[] | undefined) ?? [];
    Object.defineProperty(holder, key, { value: [...inherited], enumerable: false });
  }
  return holder[key] as T[];
}

export function recordActor(target: object, metadata: ActorMetadata): void {
  Object.defineProperty(target, actorKey, { value: metadata, enumerable: false, configurable: true });
}

export function recordSubscription(prototype: object, metadata: SubscriptionMetadata): void {
  own<SubscriptionMetadata>(prototype, subscriptionsKey).push(metadata);
}

export function recordPublisher(prototype: object, metadata: PublisherMetadata): void {
  own<PublisherMetadata>(prototype, publishersKey).push(metadata);
}

export function recordStateField(prototype: object, field: string): void {
  own<string>(prototype, stateKey).push(field);
}

export function actorOf(target: object): ActorMetadata | undefined {
  return Object.prototype.hasOwnProperty.call(target, actorKey) ? ((target as MetadataHolder)[actorKey] as ActorMetadata) : undefined;
}

export function subscriptionsOf(prototype: object): readonly SubscriptionMetadata[] {
  return ((prototype as MetadataHolder)[subscriptionsKey] as SubscriptionMetadata[] | undefined) ?? [];
}

export function publishersOf(prototype: object): readonly PublisherMetadata[] {
  return ((prototype as MetadataHolder)[publishersKey] as PublisherMetadata[] | undefined) ?? [];
}

/** The `@State()` fields of a class, inherited ones included. */
export function stateFieldsOf(prototype: object): readonly string[] {
  return ((prototype as MetadataHolder)[stateKey] as string[] | undefined) ?? [];
}
