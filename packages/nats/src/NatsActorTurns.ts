import { HopbusError } from '@hopbus/core';
import type { ActorTurn, ActorTurns, OutgoingRecord } from '@hopbus/core';
import type { JetStreamClient } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { KV } from '@nats-io/kv';
import { safeJetStreamName } from './safeJetStreamName.js';

/** Sends records to their streams with their ids as `Nats-Msg-Id` (NatsTransport's publish). */
export type PublishRecords = (records: readonly OutgoingRecord[]) => Promise<void>;

interface StoredRecord {
  readonly id: string;
  readonly topic: string;
  readonly key?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly data: string;
  readonly timestamp: number;
  readonly durable?: boolean;
}

/** A key's entry: its state and the outputs of its last turn that may not be sent yet (the outbox). */
interface Entry {
  readonly state: string;
  readonly outbox: readonly StoredRecord[];
}

/**
 * Keyed actors' state in JetStream key-value buckets, one per actor type (`hopbus_actor_<name>`).
 * A turn commits with one compare-and-set write of the key's entry: its new state and its
 * outputs (the outbox). The outputs are then published with their ids as `Nats-Msg-Id`, and the
 * outbox emptied with a second write. A crash between the two leaves the outbox in the entry:
 * the key's next activation publishes it again, and JetStream's duplicate window drops what
 * arrived already (an outbox older than the window that had been sent in part would be sent
 * twice in part).
 */
export class NatsActorTurns implements ActorTurns {
  private readonly buckets = new Map<string, Promise<KV>>();
  /** The revision of each key's entry this process last read or wrote: the compare-and-set's expectation. */
  private readonly revisions = new Map<string, number>();

  constructor(
    private readonly js: () => Promise<JetStreamClient>,
    private readonly publish: PublishRecords,
  ) {}

  async loadState(actor: string, key: string): Promise<Uint8Array | undefined> {
    const kv = await this.bucket(actor);
    const entry = await kv.get(entryKey(key));
    const id = revisionKey(actor, key);
    if (entry === null || entry.operation !== 'PUT') {
      this.revisions.delete(id);
      return undefined;
    }
    this.revisions.set(id, entry.revision);
    const stored = decodeEntry(actor, entry.value);
    if (stored.outbox.length > 0) {
      await this.publish(stored.outbox.map(recordOf));
      this.revisions.set(id, await kv.update(entryKey(key), encodeEntry({ state: stored.state, outbox: [] }), entry.revision));
    }
    return Buffer.from(stored.state, 'base64');
  }

  async commitTurn(turn: ActorTurn): Promise<void> {
    const kv = await this.bucket(turn.actor);
    const k = entryKey(turn.key);
    const id = revisionKey(turn.actor, turn.key);
    const state = Buffer.from(turn.state).toString('base64');
    const expected = this.revisions.get(id);
    let revision: number;
    try {
      const value = encodeEntry({ state, outbox: turn.records.map(storedOf) });
      revision = expected === undefined ? await kv.create(k, value) : await kv.update(k, value, expected);
    } catch (cause) {
      this.revisions.delete(id);
      throw new HopbusError(
        'publish_failed',
        `The turn of actor ${turn.actor} for key ${turn.key} was not committed: ${(cause as Error).message}. Another process may have committed a turn of the key; it is read again and the turn retried.`,
        { cause },
      );
    }
    this.revisions.set(id, revision);
    turn.input.ack();
    if (turn.records.length === 0) return;
    await this.publish(turn.records);
    this.revisions.set(id, await kv.update(k, encodeEntry({ state, outbox: [] }), revision));
  }

  private bucket(actor: string): Promise<KV> {
    let bucket = this.buckets.get(actor);
    if (!bucket) {
      bucket = this.js().then((js) => new Kvm(js).create(`hopbus_actor_${safeJetStreamName(actor)}`, { history: 1 }));
      bucket.catch(() => this.buckets.delete(actor));
      this.buckets.set(actor, bucket);
    }
    return bucket;
  }
}

function revisionKey(actor: string, key: string): string {
  return `${actor}\u0000${key}`;
}

/** A key name the bucket accepts for any actor key. */
function entryKey(key: string): string {
  return `k${Buffer.from(key, 'utf8').toString('base64url')}`;
}

function storedOf(record: OutgoingRecord): StoredRecord {
  return {
    id: record.id,
    topic: record.topic,
    ...(record.key === undefined ? {} : { key: record.key }),
    headers: record.headers,
    data: Buffer.from(record.data).toString('base64'),
    timestamp: record.timestamp,
    ...(record.durable === undefined ? {} : { durable: record.durable }),
  };
}

function recordOf(stored: StoredRecord): OutgoingRecord {
  return { ...stored, data: new Uint8Array(Buffer.from(stored.data, 'base64')) };
}

function encodeEntry(entry: Entry): Uint8Array {
  return Buffer.from(JSON.stringify(entry), 'utf8');
}

function decodeEntry(actor: string, value: Uint8Array): Entry {
  try {
    const entry = JSON.parse(Buffer.from(value).toString('utf8')) as Entry;
    if (typeof entry.state === 'string' && Array.isArray(entry.outbox)) return entry;
  } catch {
    // reported below
  }
  throw new HopbusError('decode', `The stored entry of an instance of actor ${actor} in its JetStream bucket is not what hopbus stores: { state, outbox }.`);
}
