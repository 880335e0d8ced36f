import { consoleLogger, HopbusError, PartlyPublishedError } from '@hopbus/core';
import type { ActorTurns, Logger, OutgoingRecord, SubscribeOptions, Subscription, Transport, TransportFeatures } from '@hopbus/core';
import { jetstream, JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import type { Consumer, JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { asLogger } from './asLogger.js';
import { connectNats } from './connectNats.js';
import { coreSource } from './coreSource.js';
import { jetStreamSource } from './jetStreamSource.js';
import { JetStreamTopology } from './JetStreamTopology.js';
import { logConnectionStatus } from './logConnectionStatus.js';
import { NatsActorTurns } from './NatsActorTurns.js';
import type { NatsTransportOptions } from './NatsTransportOptions.js';
import { NatsSubscription } from './NatsSubscription.js';
import { parseNatsUrl } from './parseNatsUrl.js';
import { PublishWindow } from './PublishWindow.js';
import { EncodedRecordHeaders } from './EncodedRecordHeaders.js';
import { ResumingPull } from './ResumingPull.js';

interface Connected {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly topology: JetStreamTopology;
}

/**
 * The NATS transport. Durable topics live in JetStream (a stream per topic, a durable pull
 * consumer per group, PubAck before publish() resolves); fire-and-forget topics use core NATS
 * publish and queue subscriptions, and lose what is published while nobody listens.
 *
 * Ordering: one stream is one partition; a group's deliveries come in stream order, and a
 * redelivery (nack, ack timeout) comes after later records, as with every transport.
 */
export class NatsTransport implements Transport {
  readonly kind = 'nats';
  readonly features: TransportFeatures = { persistent: true, orderedPerKey: true, consumerGroups: true, replay: false, actorTurns: true };
  /** Keyed actors' state and turns: JetStream key-value buckets (see NatsActorTurns). */
  readonly actorTurns: ActorTurns = new NatsActorTurns(
    () => {
      this.assertOpen('use actor state');
      return this.connection().then((connected) => connected.js);
    },
    (records) => this.publish(records),
  );
  private readonly options: NatsTransportOptions;
  private readonly logger: Logger;
  private readonly nonDurable: Set<string>;
  private readonly window: PublishWindow;
  private readonly subscriptions = new Set<{ abort(): Promise<void> }>();
  private connecting: Promise<Connected> | undefined;
  private closing: Promise<void> | undefined;

  /** `options` may be a URL: `nats://user:pass@a:4222,b:4222?tls_ca=...` (see parseNatsUrl). */
  constructor(options: NatsTransportOptions | string = {}) {
    this.options = typeof options === 'string' ? parseNatsUrl(options) : options;
    this.logger = asLogger(this.options.logger ?? consoleLogger);
    this.nonDurable = new Set(this.options.nonDurableTopics ?? []);
    this.window = new PublishWindow(this.options.maxPendingAcks ?? 4096);
  }

  /** Makes `topic` fire-and-forget for publishing from this transport (core NATS, no PubAck). */
  markNonDurable(topic: string): void {
    this.nonDurable.add(topic);
  }

  connect(): Promise<void> {
    this.assertOpen('connect');
    return this.connection().then(() => undefined);
  }

  /**
   * Durable topics: every record is published to JetStream with `Nats-Msg-Id` = record id, at
   * most `maxPendingAcks` awaiting their PubAck at once; resolves when every PubAck came,
   * rejects with `publish_failed` naming the topic otherwise (records may then be stored or
   * not: publishing them again is safe within the duplicate window; when some were
   * acknowledged, a PartlyPublishedError lists them). Fire-and-forget topics:
   * resolves once the records are handed to the connection.
   */
  async publish(records: readonly OutgoingRecord[]): Promise<void> {
    this.assertOpen('publish');
    const { nc, js, topology } = await this.connection();
    const timeout = this.options.publishTimeoutMs ?? 10_000;
    const acks: Promise<unknown>[] = [];
    const acked: string[] = [];
    const handedOver: string[] = [];
    const topics = new Set<string>();
    for (const record of records) {
      if (record.durable === false || this.nonDurable.has(record.topic)) {
        nc.publish(record.topic, record.data, { headers: new EncodedRecordHeaders(record) });
        handedOver.push(record.id);
        continue;
      }
      if (!topics.has(record.topic)) {
        topics.add(record.topic);
        try {
          await topology.streamFor(record.topic);
        } catch (cause) {
          throw this.publishFailed(record.topic, cause);
        }
      }
      const waiting = this.window.acquire();
      if (waiting) await waiting;
      const ack = js.publish(record.topic, record.data, { headers: new EncodedRecordHeaders(record), timeout }).then(
        () => undefined,
        (cause: unknown) => Promise.reject(this.publishFailed(record.topic, cause)),
      );
      void ack.finally(() => this.window.release()).catch(() => undefined);
      acks.push(ack);
      acked.push(record.id);
    }
    const settled = await Promise.allSettled(acks);
    const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed.length === 0) return;
    const first = failed[0]!.reason as HopbusError;
    if (records.length === 1) throw first;
    const message = `${failed.length} of ${records.length} records were not acknowledged. First: ${first.message}`;
    if (failed.length === records.length) throw new HopbusError('publish_failed', message, { cause: first });
    // Some records were stored: say which, so that each caller can be told its own outcome.
    const stored = new Set(handedOver);
    settled.forEach((outcome, i) => outcome.status === 'fulfilled' && stored.add(acked[i]!));
    throw new PartlyPublishedError(message, stored, { cause: first });
  }

  async subscribe(topic: string, options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen('subscribe');
    const { nc, js, topology } = await this.connection();
    const onEnd = (ended: { abort(): Promise<void> }): void => void this.subscriptions.delete(ended);
    if (options.durable === false) {
      this.nonDurable.add(topic);
      const subscription = new NatsSubscription(coreSource(nc, topic, options.group), options, onEnd);
      this.subscriptions.add(subscription);
      return subscription;
    }
    const { stream, consumer } = await topology.consumerFor(topic, options);
    const expiresMs = this.options.pullExpiresMs ?? 5000;
    // Asked again after a stall: a short timeout, so that a new consumer leader is found soon.
    const recovery = jetstream(nc, { timeout: Math.max(1000, expiresMs / 2) });
    const refetch = async (): Promise<Consumer> => {
      try {
        return await recovery.consumers.get(stream, consumer);
      } catch (error) {
        if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound)) throw error;
        this.logger.warn(`hopbus nats: consumer ${consumer} of stream ${stream} is gone; creating it again`);
        await topology.consumerFor(topic, options);
        return recovery.consumers.get(stream, consumer);
      }
    };
    const pull = new ResumingPull(await js.consumers.get(stream, consumer), refetch, {
      stream,
      consumer,
      maxMessages: options.maxInFlight,
      expiresMs,
      logger: this.logger,
    });
    const subscription = new NatsSubscription(jetStreamSource(pull), options, onEnd);
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Ends every subscription (unsettled deliveries are nacked), then drains the connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.subscriptions].map((s) => s.abort()));
      const connecting = this.connecting;
      if (!connecting) return;
      const connected = await connecting.catch(() => undefined);
      if (connected && !connected.nc.isClosed()) await connected.nc.drain().catch(() => connected.nc.close());
    })();
    return this.closing;
  }

  private connection(): Promise<Connected> {
    this.connecting ??= (async () => {
      const nc = await connectNats(this.options);
      void logConnectionStatus(nc, this.logger, () => this.closing !== undefined);
      const jsm = await jetstreamManager(nc, { checkAPI: false });
      const topology = new JetStreamTopology(jsm, this.options.manageStreams ?? true, this.options.stream ?? {}, this.options.streamName);
      return { nc, js: jetstream(nc), topology };
    })();
    this.connecting.catch(() => (this.connecting = undefined));
    return this.connecting;
  }

  private publishFailed(topic: string, cause: unknown): HopbusError {
    if (HopbusError.is(cause) && cause.code === 'config') return cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new HopbusError(
      'publish_failed',
      `Publishing to topic ${topic} failed: no PubAck from JetStream (${reason}). The record may or may not be stored; publishing it again is safe (deduplicated on its id).`,
      { cause },
    );
  }

  private assertOpen(operation: string): void {
    if (this.closing) {
      throw new HopbusError('transport_closed', `Cannot ${operation}: this NATS transport was closed. Create a new transport (or bus) to go on.`);
    }
  }
}
