import { HopbusError, PartlyPublishedError } from '@hopbus/core';
import type { ActorTurns, OutgoingRecord, SubscribeOptions, Subscription, Transport, TransportFeatures } from '@hopbus/core';
import { LogActorTurns } from './actors/LogActorTurns.js';
import { CrashLoopGuard } from './CrashLoopGuard.js';
import { groupHeadsPath, readGroupHeads } from './groupHeadsFile.js';
import { groupOffsetsPath, newGroupEpoch, readGroupOffsetsFile, validateGroupName, writeGroupOffsets } from './groupOffsetsFile.js';
import type { GroupOffsets } from './groupOffsetsFile.js';
import { LogGroup } from './LogGroup.js';
import type { FileSystem } from './FileSystem.js';
import type { LogOptions } from './LogOptions.js';
import type { LogPartition } from './LogPartition.js';
import { LogStore } from './LogStore.js';
import { LogSubscription } from './LogSubscription.js';
import type { LogTopic } from './LogTopic.js';
import type { GroupResetTarget } from './resolveResetTarget.js';
import { resolveResetTarget } from './resolveResetTarget.js';

/**
 * The native durable log: Kafka's single-node log, embedded. Records are stored in segment
 * files under `dir` (one folder per topic and partition), group-committed and synced under the
 * fsync policy before `publish()` resolves; consumer groups keep their committed position on
 * disk and get at-least-once delivery across crashes. One process owns a dir.
 */
export class LogTransport implements Transport {
  readonly kind = 'log';
  readonly features: TransportFeatures = { persistent: true, orderedPerKey: true, consumerGroups: true, replay: true, actorTurns: true };
  private store: LogStore | undefined;
  private turns: LogActorTurns | undefined;
  /** Keyed actors' state and turns (see LogActorTurns), once connected. */
  readonly actorTurns: ActorTurns = {
    loadState: (actor, key) => (this.turns && !this.closing ? this.turns.loadState(actor, key) : this.turnsReady('load actor state').then((turns) => turns.loadState(actor, key))),
    commitTurn: (turn) => (this.turns && !this.closing ? this.turns.commitTurn(turn) : this.turnsReady('commit a turn').then((turns) => turns.commitTurn(turn))),
  };
  private connecting: Promise<void> | undefined;
  private readonly groups = new Map<string, LogGroup>();
  private readonly subscriptions = new Set<LogSubscription>();
  private commitTimer: NodeJS.Timeout | undefined;
  private committing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(readonly options: LogOptions) {}

  /** Opens the data dir: takes the lock, recovers every topic, checks every group position. Idempotent. */
  connect(): Promise<void> {
    try {
      this.assertOpen('connect');
    } catch (error) {
      return Promise.reject(error);
    }
    this.connecting ??= this.open();
    return this.connecting;
  }

  private async open(): Promise<void> {
    const store = await LogStore.open(this.options);
    // Turns a crash left with outputs unapplied are finished before anything else; a dir that never had a keyed actor gets no journal.
    if (LogActorTurns.existIn(store)) {
      try {
        await this.openTurns(store);
      } catch (error) {
        await store.close();
        throw error;
      }
    }
    this.store = store;
    this.commitTimer = setInterval(() => void this.commit().catch(() => undefined), store.options.commitIntervalMs);
    this.commitTimer.unref();
  }

  private async ready(operation: string): Promise<LogStore> {
    this.assertOpen(operation);
    if (!this.store) await this.connect();
    this.assertOpen(operation);
    return this.store!;
  }

  /**
   * Appends the records, each to the partition of its key (round robin without a key), and
   * resolves once all are durable under the fsync policy. Records for one partition keep their
   * order. Rejects with `transport_closed` after close, `invalid_topic`, or `publish_failed`
   * (a PartlyPublishedError listing the records stored when some partitions stored theirs).
   */
  publish(records: readonly OutgoingRecord[]): Promise<void> {
    // The common case, one record or one topic of one partition, goes straight to the
    // partition: no async frame, no extra promise.
    const topic = this.store && !this.closing && records.length > 0 ? this.store.openTopic(records[0]!.topic) : undefined;
    if (topic && (records.length === 1 || (topic.partitions.length === 1 && records.every((r) => r.topic === topic.name)))) {
      return topic.partitionOf(records[0]!).append(records);
    }
    return this.publishSpread(records);
  }

  private turnsOpening: Promise<LogActorTurns> | undefined;

  private async turnsReady(operation: string): Promise<LogActorTurns> {
    const store = await this.ready(operation);
    return this.turns ?? (await this.openTurns(store));
  }

  private openTurns(store: LogStore): Promise<LogActorTurns> {
    this.turnsOpening ??= LogActorTurns.open(store, (records) => this.appendSpread(store, records)).then(
      (turns) => (this.turns = turns),
      (error: unknown) => {
        this.turnsOpening = undefined;
        throw error;
      },
    );
    return this.turnsOpening;
  }

  private async publishSpread(records: readonly OutgoingRecord[]): Promise<void> {
    const store = this.store ?? (await this.ready('publish'));
    this.assertOpen('publish');
    return this.appendSpread(store, records, true);
  }

  /** Appends records of any topics and partitions; used by publish() and by the turns' outputs (also while closing). */
  private async appendSpread(store: LogStore, records: readonly OutgoingRecord[], refuseOnceClosing = false): Promise<void> {
    if (records.length === 0) return;
    let topic = store.openTopic(records[0]!.topic) ?? (await store.topic(records[0]!.topic, true))!;
    const buckets = new Map<LogPartition, OutgoingRecord[]>();
    for (const record of records) {
      if (record.topic !== topic.name) topic = store.openTopic(record.topic) ?? (await store.topic(record.topic, true))!;
      const partition = topic.partitionOf(record);
      const bucket = buckets.get(partition);
      if (bucket) bucket.push(record);
      else buckets.set(partition, [record]);
    }
    if (refuseOnceClosing) this.assertOpen('publish'); // close began while a topic was created
    const appends = [...buckets];
    const settled = await Promise.allSettled(appends.map(([partition, bucket]) => partition.append(bucket)));
    const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed.length === 0) return;
    if (failed.length === settled.length) throw failed[0]!.reason;
    // Some partitions stored their records: say which, so that each caller can be told its own outcome.
    const stored = new Set<string>();
    settled.forEach((outcome, i) => outcome.status === 'fulfilled' && appends[i]![1].forEach((record) => stored.add(record.id)));
    const first = failed[0]!.reason as Error;
    throw new PartlyPublishedError(`${records.length - stored.size} of ${records.length} records were not stored: ${first.message}`, stored, { cause: first });
  }

  /**
   * A pull subscription for `options.group`. A group met for the first time starts at the
   * earliest or latest record (`options.start`), and that position is made durable before this
   * resolves; a known group resumes at its committed position.
   */
  async subscribe(topicName: string, options: SubscribeOptions): Promise<Subscription> {
    const store = await this.ready('subscribe');
    validateGroupName(options.group); // before the topic is created
    const topic = (await store.topic(topicName, true))!;
    const group = await this.group(store, topic, options);
    this.assertOpen('subscribe');
    const subscription: LogSubscription = new LogSubscription(group, options, () => this.subscriptions.delete(subscription));
    this.subscriptions.add(subscription);
    return subscription;
  }

  private readonly groupsOpening = new Map<string, Promise<LogGroup>>();

  private group(store: LogStore, topic: LogTopic, options: SubscribeOptions): Promise<LogGroup> {
    const key = `${topic.name}\u0000${options.group}`;
    const known = this.groups.get(key);
    if (known) return Promise.resolve(known);
    let opening = this.groupsOpening.get(key);
    if (!opening) {
      opening = (async () => {
        const fs = store.options.fileSystem;
        const saved = readSavedOffsets(fs, topic, options.group);
        const headsPath = groupHeadsPath(topic.dir, options.group);
        // Heads recorded under the offsets' epoch only: a reset, a replay or a repair since wrote offsets without one, which voids them.
        const previous = saved?.epoch !== undefined ? readGroupHeads(fs, headsPath, saved.epoch) : undefined;
        const offsets = saved ? CrashLoopGuard.committedAtOpen(saved.offsets, previous) : topic.partitions.map((p) => (options.start === 'latest' ? p.endOffset : p.startOffset));
        const group = new LogGroup(topic, options.group, offsets, saved?.epoch ?? newGroupEpoch(), store.options.fetchBytes);
        // The new epoch is on disk before any heads recorded under it. A saved position past the
        // end (records a power cut took, under fsync 'interval' or 'never', had been consumed) is
        // brought back to the end on disk too: the records published next take those offsets.
        const opened = group.committedOffsets();
        if (saved?.epoch === undefined || opened.some((offset, i) => offset !== saved.offsets[i])) await this.persist(store, group);
        const guard = new CrashLoopGuard(fs, headsPath, group.committedOffsets(), group.epoch, previous, () => group.committedOffsets(), () => group.wakeAll());
        await guard.open();
        group.guard = guard;
        group.startSweeping(Math.max(5, Math.min(1000, Math.floor(options.ackTimeoutMs / 4))), (delivery) => delivery.nack(0));
        this.groups.set(key, group);
        return group;
      })();
      this.groupsOpening.set(key, opening);
      void opening.finally(() => this.groupsOpening.delete(key)).catch(() => undefined);
    }
    return opening;
  }

  /**
   * Moves a consumer group of `topic` (see GroupResetTarget) and makes the move durable.
   * Deliveries handed out before the move no longer count; the group's subscriptions go on from
   * the new position. Resolves to the new offset of each partition.
   */
  async resetGroup(topicName: string, groupName: string, target: GroupResetTarget): Promise<number[]> {
    const store = await this.ready('reset a group');
    validateGroupName(groupName);
    const topic = (await store.topic(topicName, true))!;
    const active = this.groups.get(`${topic.name}\u0000${groupName}`);
    const current = active?.committedOffsets() ?? readSavedOffsets(store.options.fileSystem, topic, groupName)?.offsets ?? topic.partitions.map((p) => p.startOffset);
    const offsets = await resolveResetTarget(topic, current, target);
    if (active) {
      active.reset(offsets);
      await this.commit();
    } else {
      await writeGroupOffsets(store.options.fileSystem, topic.dir, { group: groupName, offsets, updatedAt: Date.now() }, store.options.fsync !== 'never');
    }
    return offsets;
  }

  /** Writes every group position that moved since the last write, durably (unless fsync 'never'). Resolves when done. */
  async commit(): Promise<void> {
    while (this.committing) await this.committing;
    const store = this.store;
    if (!store) return;
    const dirty = [...this.groups.values()].filter((g) => g.dirty);
    if (dirty.length === 0) return;
    this.committing = Promise.all(dirty.map((group) => this.persist(store, group))).then(() => undefined);
    try {
      await this.committing;
    } finally {
      this.committing = undefined;
    }
  }

  private async persist(store: LogStore, group: LogGroup): Promise<void> {
    group.dirty = false;
    try {
      await writeGroupOffsets(store.options.fileSystem, group.topic.dir, { group: group.name, offsets: group.committedOffsets(), updatedAt: Date.now(), epoch: group.epoch }, store.options.fsync !== 'never');
    } catch (error) {
      group.dirty = true;
      throw error;
    }
  }

  /**
   * Ends every subscription (unsettled deliveries stay uncommitted: they come again after a
   * restart), writes group positions, flushes and syncs every partition, releases the lock.
   * Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.commitTimer) clearInterval(this.commitTimer);
    await this.connecting?.catch(() => undefined);
    await Promise.allSettled([...this.groupsOpening.values()]);
    for (const subscription of [...this.subscriptions]) subscription.abort();
    for (const group of this.groups.values()) group.close();
    try {
      await this.turnsOpening?.catch(() => undefined);
      await this.turns?.close();
      await this.commit();
      for (const group of this.groups.values()) await group.guard?.close(group.handedBack());
    } finally {
      await this.store?.close();
    }
  }

  private assertOpen(operation: string): void {
    if (this.closing) {
      throw new HopbusError('transport_closed', `Cannot ${operation}: this log transport (${this.options.dir}) was closed. Create a new bus to go on.`);
    }
  }
}

function readSavedOffsets(fs: FileSystem, topic: LogTopic, group: string): GroupOffsets | undefined {
  const path = groupOffsetsPath(topic.dir, group);
  try {
    return readGroupOffsetsFile(fs, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
