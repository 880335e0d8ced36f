import type { StandardSchemaV1 } from '@standard-schema/spec';
import { HopbusError } from '../errors/HopbusError.js';
import { jsonCodec } from './Codec.js';
import type { Codec } from './Codec.js';
import { validateTopicName } from './validateTopicName.js';

export interface TopicOptions<T> {
  /** Any Standard Schema (zod, valibot, arktype, ...): checked on publish and on receipt. */
  readonly schema?: StandardSchemaV1<unknown, T>;
  /** JSON by default. */
  readonly codec?: Codec<T>;
  /**
   * Durable by default: records are kept and redelivered until settled. `false` allows a
   * transport to use a cheaper path that may lose records when nobody listens (NATS core).
   */
  readonly durable?: boolean;
  /** Where dead letters of this topic go; `<name>.dlq` by default. */
  readonly deadLetter?: string;
}

/** A named stream of one payload type. Declare it once and share it between services. */
export interface Topic<T> {
  readonly name: string;
  readonly schema: StandardSchemaV1<unknown, T> | undefined;
  readonly codec: Codec<T>;
  readonly durable: boolean;
  readonly deadLetter: string;
  /** Type-level only: carries T. */
  readonly __payload?: T;
}

/** Declares a topic. Throws `invalid_topic` when the name breaks a rule (and says which). */
export function topic<T>(name: string, options: TopicOptions<T> = {}): Topic<T> {
  validateTopicName(name);
  const deadLetter = options.deadLetter ?? `${name}.dlq`;
  try {
    validateTopicName(deadLetter);
  } catch (cause) {
    throw new HopbusError(
      'invalid_topic',
      `The dead-letter topic of ${JSON.stringify(name.slice(0, 60))} is not valid (${(cause as Error).message}) Give the topic a shorter name or a deadLetter option.`,
      { cause },
    );
  }
  return Object.freeze({
    name,
    schema: options.schema,
    codec: options.codec ?? jsonCodec<T>(),
    durable: options.durable ?? true,
    deadLetter,
  });
}

/** The payload type of a topic. */
export type PayloadOf<TTopic> = TTopic extends Topic<infer T> ? T : never;
