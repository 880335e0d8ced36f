/**
 * The contract between the runtime and a transport. Keep it this small: the runtime applies
 * retry, dead letters and mailboxes; a transport stores, fetches and redelivers.
 */

/** A record on its way to a transport. */
export interface OutgoingRecord {
  /** Unique and sortable (UUIDv7); the deduplication key. */
  readonly id: string;
  readonly topic: string;
  /** Picks the partition and the mailbox: records with one key keep their order. */
  readonly key?: string | undefined;
  /** Lower-case names; the `hopbus-` prefix is reserved for hopbus itself. */
  readonly headers: Readonly<Record<string, string>>;
  /** The encoded payload. */
  readonly data: Uint8Array;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  /**
   * `false` when the topic is fire-and-forget (`topic(name, { durable: false })`): a transport
   * may take a cheaper path that loses the record when nobody listens. Absent means durable.
   */
  readonly durable?: boolean;
}

/** A record handed to a consumer. Exactly one of ack, nack, term settles it; later calls are ignored. */
export interface Delivery extends OutgoingRecord {
  readonly partition: number;
  /** Position in the partition (log) or stream sequence (NATS). */
  readonly offset: number;
  /** 1 on first delivery, 2 after one redelivery, and so on. */
  readonly deliveryCount: number;
  /** Done: never deliver again to this group. Idempotent. */
  ack(): void;
  /** Deliver again, after `delayMs` (0 by default). */
  nack(delayMs?: number): void;
  /** Never deliver again (it went to the dead letters). */
  term(): void;
  /** Still working on it: restart the ack timeout. */
  working(): void;
}

/** A pull subscription: iterating it fetches, at most `maxInFlight` unsettled deliveries at once. */
export interface Subscription extends AsyncIterable<Delivery> {
  /** Stop fetching; the iteration ends; resolves when every delivery handed out is settled. */
  drain(): Promise<void>;
  /** Resolves when the subscription has ended: to an Error if it failed. Never rejects. */
  readonly closed: Promise<void | Error>;
  /**
   * Optional: the next delivery if one is ready now within the pull window, else undefined;
   * never waits. The runtime uses it to take a burst after one awaited delivery, so a busy
   * stream costs one promise per burst instead of one per record.
   */
  poll?(): Delivery | undefined;
}

export type StartPosition = 'earliest' | 'latest';

export interface SubscribeOptions {
  /** A group shares the work; two groups each get every record. */
  readonly group: string;
  /** Where a group that has no committed position begins. */
  readonly start: StartPosition;
  /** Unsettled deliveries held at most: the pull window. */
  readonly maxInFlight: number;
  /** An unsettled delivery is delivered again after this many milliseconds. */
  readonly ackTimeoutMs: number;
  /** Topics that must not be durable may use a cheaper path (NATS core). */
  readonly durable?: boolean;
}

/** What a transport can promise; the conformance suite runs the cases these allow. */
export interface TransportFeatures {
  /** Records survive a restart of the transport (and of the process). */
  readonly persistent: boolean;
  /** Records with the same key are delivered in publish order. */
  readonly orderedPerKey: boolean;
  /** Consumers in one group share the work; groups are independent. */
  readonly consumerGroups: boolean;
  /** A group can be moved back to replay what was already consumed. */
  readonly replay: boolean;
  /** Keyed actors' turns commit atomically through `actorTurns` (see ActorTurns). */
  readonly actorTurns?: boolean;
}

/** One keyed actor's turn, committed as one unit: the input settled, the outputs stored, the new state kept. */
export interface ActorTurn {
  /** The actor type's name (`@Actor(name)`). */
  readonly actor: string;
  readonly key: string;
  /**
   * The key's stored state after the turn (opaque to the transport: the `@State()` fields, or
   * their deletion, and the inputs applied). Keep the latest per key; loadState returns it.
   */
  readonly state: Uint8Array;
  /** What the turn published: stored only if the turn commits. */
  readonly records: readonly OutgoingRecord[];
  /** The delivery the turn handled: acknowledged as part of the commit. */
  readonly input: Delivery;
}

/**
 * Optional: keyed actors' state and atomic turns. After any crash a turn is either wholly there
 * (state, outputs, input acknowledged) or not at all; readers never see its outputs before it commits.
 */
export interface ActorTurns {
  /** The committed state of one actor instance, or undefined when it has none. */
  loadState(actor: string, key: string): Promise<Uint8Array | undefined>;
  /** Commits a turn; when it rejects, nothing of the turn is kept and the input stays unsettled. */
  commitTurn(turn: ActorTurn): Promise<void>;
}

export interface Transport {
  /** 'memory' | 'log' | 'nats' | ... */
  readonly kind: string;
  readonly features: TransportFeatures;
  /** Idempotent; called by the bus before the first publish or subscribe. */
  connect(): Promise<void>;
  /**
   * Resolves once every record is held durably under the transport's policy. When it fails for
   * some records and not others, it should reject with a PartlyPublishedError naming the ids
   * stored: the bus sends the publish() calls of one event-loop turn in one call, and tells each
   * caller its own outcome from it (without it, every caller in the call is told it failed).
   */
  publish(records: readonly OutgoingRecord[]): Promise<void>;
  subscribe(topic: string, options: SubscribeOptions): Promise<Subscription>;
  /** Present when `features.actorTurns` is true. */
  readonly actorTurns?: ActorTurns;
  /** Drains and flushes; idempotent. Publishing afterwards fails with code `transport_closed`. */
  close(): Promise<void>;
}
