import { HopbusError } from '@hopbus/core';
import type { SubscribeOptions } from '@hopbus/core';
import { AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { ConsumerConfig, JetStreamManager, StreamInfo } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { NatsStreamOptions } from './NatsTransportOptions.js';
import { safeJetStreamName } from './safeJetStreamName.js';
import { subjectCovers } from './subjectCovers.js';

/** The stream that holds a topic; `dedicated` when its only subject is the topic. */
export interface TopicStream {
  readonly stream: string;
  readonly dedicated: boolean;
}

const defaultStreamName = (topic: string): string => safeJetStreamName(topic);

/**
 * Finds or creates the streams and durable consumers behind topics and groups.
 *
 * Streams: one per topic, named by `streamName` (default: the topic with '.' → '_'), subject =
 * the topic, file storage, limits retention. A stream that already covers the topic (created by
 * operations, e.g. `ORDERS` on `orders.>`) is used as it is. With `manage` false nothing is
 * created: a missing stream fails with code `config`.
 *
 * Consumers: a group is a durable pull consumer named after the group (or `<group>__<topic>`
 * when the stream holds other subjects too), explicit ack, ack_wait = ackTimeoutMs,
 * max_ack_pending = maxInFlight, filtered on the topic.
 */
export class JetStreamTopology {
  private readonly streams = new Map<string, Promise<TopicStream>>();

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly manage: boolean,
    private readonly limits: NatsStreamOptions,
    private readonly streamName: ((topic: string) => string) | undefined,
  ) {}

  /** The stream of `topic`, created when missing (and allowed); cached once it succeeded. */
  streamFor(topic: string): Promise<TopicStream> {
    let found = this.streams.get(topic);
    if (!found) {
      found = this.resolveStream(topic);
      this.streams.set(topic, found);
      found.catch(() => this.streams.delete(topic));
    }
    return found;
  }

  /** Creates the group's durable consumer, or updates its ack timeout and window; returns its name. */
  async consumerFor(topic: string, options: SubscribeOptions): Promise<{ stream: string; consumer: string }> {
    const { stream, dedicated } = await this.streamFor(topic);
    const consumer = safeJetStreamName(dedicated ? options.group : `${options.group}__${topic}`);
    const wanted: Partial<ConsumerConfig> = {
      durable_name: consumer,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(options.ackTimeoutMs),
      max_ack_pending: options.maxInFlight,
      deliver_policy: options.start === 'earliest' ? DeliverPolicy.All : DeliverPolicy.New,
      filter_subject: topic,
      max_deliver: -1,
    };
    try {
      const info = await this.jsm.consumers.info(stream, consumer);
      if (info.config.ack_wait !== wanted.ack_wait || info.config.max_ack_pending !== wanted.max_ack_pending) {
        await this.jsm.consumers.update(stream, consumer, { ack_wait: wanted.ack_wait!, max_ack_pending: wanted.max_ack_pending! });
      }
      return { stream, consumer };
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    try {
      await this.jsm.consumers.add(stream, wanted);
    } catch (error) {
      // Another consumer of the group created it first: it exists now, which is what we need.
      await this.jsm.consumers.info(stream, consumer).catch(() => Promise.reject(error));
    }
    return { stream, consumer };
  }

  private async resolveStream(topic: string): Promise<TopicStream> {
    const name = (this.streamName ?? defaultStreamName)(topic);
    const named = await this.info(name);
    if (named) {
      if (named.config.subjects.some((s) => subjectCovers(s, topic))) return described(named);
      throw new HopbusError(
        'config',
        `JetStream stream ${name} exists but its subjects (${named.config.subjects.join(', ')}) do not cover topic ${topic}. Add the subject to the stream, or map the topic to another stream with the streamName option.`,
      );
    }
    const covering = await this.jsm.streams.find(topic).catch(() => undefined);
    if (covering) {
      const info = await this.info(covering);
      if (info) return described(info);
    }
    if (!this.manage) {
      throw new HopbusError(
        'config',
        `No JetStream stream holds topic ${topic} (looked for stream ${name} and for any stream whose subjects cover it), and manageStreams is false. Create the stream (for example: nats stream add ${name} --subjects ${topic} --storage file), or let hopbus create it with manageStreams: true.`,
      );
    }
    const maxAgeMs = this.limits.maxAgeMs ?? 0;
    const duplicateWindowMs = Math.min(this.limits.duplicateWindowMs ?? 120_000, maxAgeMs > 0 ? maxAgeMs : Infinity);
    try {
      const info = await this.jsm.streams.add({
        name,
        subjects: [topic],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        max_age: nanos(maxAgeMs),
        max_bytes: this.limits.maxBytes ?? -1,
        num_replicas: this.limits.replicas ?? 1,
        duplicate_window: nanos(duplicateWindowMs),
      });
      return described(info);
    } catch (error) {
      const raced = await this.info(name);
      if (raced && raced.config.subjects.some((s) => subjectCovers(s, topic))) return described(raced);
      throw new HopbusError('config', `Cannot create JetStream stream ${name} for topic ${topic}: ${(error as Error).message}.`, { cause: error });
    }
  }

  private async info(stream: string): Promise<StreamInfo | undefined> {
    try {
      return await this.jsm.streams.info(stream);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

function described(info: StreamInfo): TopicStream {
  const subjects = info.config.subjects;
  return { stream: info.config.name, dedicated: subjects.length === 1 && !/[*>]/.test(subjects[0]!) };
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && /not found/i.test(error.message);
}
