import { HopbusError } from '../errors/HopbusError.js';
import type { ActorTurns, OutgoingRecord, SubscribeOptions, Subscription, Transport, TransportFeatures } from '../transport/Transport.js';
import { TurnBudget } from '../util/TurnBudget.js';
import { MemoryActorTurns } from './MemoryActorTurns.js';
import { MemoryGroup } from './MemoryGroup.js';
import { MemorySubscription } from './MemorySubscription.js';
import { MemoryTopic } from './MemoryTopic.js';

export interface MemoryTransportOptions {
  /**
   * Records kept per topic once every group has settled them (default 100,000). Records not yet
   * settled by some group are never dropped.
   */
  readonly maxRetained?: number;
}

/** Records published between two trims. */
const recordsPerTrim = 1024;

/** Records published within one turn of the event loop before publish() waits for the next turn. */
const recordsPerTurn = 1024;

/**
 * The whole transport contract in process memory: for unit tests and for examples. Nothing
 * survives the process. Every topic is one partition; groups share work, redeliver after the
 * ack timeout and on nack, and a new group can start at the earliest retained record.
 */
export class MemoryTransport implements Transport {
  readonly kind = 'memory';
  readonly features: TransportFeatures = { persistent: false, orderedPerKey: true, consumerGroups: true, replay: false, actorTurns: true };
  readonly actorTurns: ActorTurns = new MemoryActorTurns(
    (records) => this.append(records),
    (operation) => this.assertOpen(operation),
  );
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly groups = new Map<string, MemoryGroup>();
  private readonly subscriptions = new Set<MemorySubscription>();
  private readonly maxRetained: number;
  private published = 0;
  private closed = false;
  /**
   * Nothing here waits for I/O, so a loop awaiting publish() after publish() would never let the
   * event loop turn: subscribers (which take their turn after 1,024 deliveries) and timers would
   * wait until it ends, and every record it published would be held meanwhile.
   */
  private readonly turns = new TurnBudget(recordsPerTurn);

  constructor(options: MemoryTransportOptions = {}) {
    this.maxRetained = options.maxRetained ?? 100_000;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async connect(): Promise<void> {
    this.assertOpen('connect');
  }

  async publish(records: readonly OutgoingRecord[]): Promise<void> {
    this.assertOpen('publish');
    this.append(records);
    const turn = this.turns.spend(records.length);
    if (turn) await turn;
  }

  /** Stores `records` and wakes their consumers, synchronously. */
  private append(records: readonly OutgoingRecord[]): void {
    const touched = new Set<MemoryTopic>();
    for (const record of records) {
      const topic = this.topic(record.topic);
      topic.append(record);
      touched.add(topic);
    }
    for (const topic of touched) topic.notify();
    this.published += records.length;
    // Often enough that records handled and not to be kept die young: each one still held when
    // the garbage collector next runs is copied, and kept ones are copied twice.
    if (this.published >= recordsPerTrim) {
      this.published = 0;
      this.trim();
    }
  }

  async subscribe(topicName: string, options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen('subscribe');
    const groupKey = `${topicName}\u0000${options.group}`;
    let group = this.groups.get(groupKey);
    if (!group) {
      group = new MemoryGroup(this.topic(topicName), options.start);
      group.startSweeping(Math.max(5, Math.min(1000, Math.floor(options.ackTimeoutMs / 4))), (delivery) => delivery.nack(0));
      this.groups.set(groupKey, group);
    }
    const subscription: MemorySubscription = new MemorySubscription(group, options, () => this.subscriptions.delete(subscription));
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of [...this.subscriptions]) subscription.abort();
    for (const group of this.groups.values()) group.close();
  }

  private topic(name: string): MemoryTopic {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = new MemoryTopic(name, this.maxRetained);
      this.topics.set(name, topic);
    }
    return topic;
  }

  private trim(): void {
    for (const topic of this.topics.values()) {
      let low = topic.endOffset;
      for (const group of this.groups.values()) if (group.topic === topic) low = Math.min(low, group.lowWatermark());
      topic.trim(low);
    }
  }

  private assertOpen(operation: string): void {
    if (this.closed) {
      throw new HopbusError('transport_closed', `Cannot ${operation}: this memory transport was closed. Create a new bus to go on.`);
    }
  }
}

const namedMemoryTransports = new Map<string, MemoryTransport>();

/**
 * `memory:` makes a private transport; `memory:<name>` shares one per name within the process
 * (until it is closed), so several buses in one process can talk.
 */
export function memoryTransportFromUrl(url: URL | string): MemoryTransport {
  const name = String(url).slice('memory:'.length).replace(/^\/\//, '');
  if (!name) return new MemoryTransport();
  const existing = namedMemoryTransports.get(name);
  if (existing && !existing.isClosed) return existing;
  const created = new MemoryTransport();
  namedMemoryTransports.set(name, created);
  return created;
}
