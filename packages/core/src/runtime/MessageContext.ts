import type { Topic } from '../topic/Topic.js';
import type { PublishOptions } from './Publisher.js';

/** What a handler knows of the message it handles, and how it publishes what it causes. */
export interface MessageContext {
  readonly id: string;
  readonly topic: string;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly partition: number;
  readonly offset: number;
  /** How often the transport delivered this message (1 the first time; more after a crash or timeout). */
  readonly deliveryCount: number;
  /** The handler call for this delivery: 1, then 2 on the first retry, and so on. */
  readonly attempt: number;
  /** When the message was published (ms since the epoch). */
  readonly timestamp: number;
  /** The id shared by every message caused, directly or not, by the same first message. */
  readonly correlationId: string;
  /** Fires when the bus stops and its drain timeout passes: give up and return. */
  readonly signal: AbortSignal;
  /** Publishes a message caused by this one: correlation and causation ids are carried over. */
  publish<T>(topic: Topic<T>, payload: T, options?: PublishOptions): Promise<void>;
  /**
   * Keyed actors only: the turn ends this key's state (committed as deleted); the next message
   * for the key makes a fresh instance. Throws `config` in a handler of an actor that is not keyed.
   */
  deleteState(): void;
}
