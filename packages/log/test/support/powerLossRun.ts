import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OutgoingRecord } from '@hopbus/core';
import { LogInspector, LogTransport, verifyLog } from '@hopbus/log';
import type { LogOptions } from '@hopbus/log';
import { withFileSystem, nodeFileSystem } from '../../src/FileSystem.js';
import { readAllGroupOffsets } from '../../src/groupOffsetsFile.js';
import { CrashFileSystem } from './CrashFileSystem.js';
import type { CutMode } from './DurableTree.js';
import { tempDir } from './tempDir.js';

export const topicName = 'power.t';

/** Runs `work` on a data dir of a fresh disk that can lose power (seeded, cuts thrown away or torn), removed after. */
export async function onCrashDisk<T>(seed: number, mode: CutMode, work: (crash: CrashFileSystem, dir: string) => Promise<T>): Promise<T> {
  const temp = tempDir('power');
  try {
    const root = join(temp.dir, 'disk');
    mkdirSync(root);
    return await work(new CrashFileSystem(root, { seed, mode }), join(root, 'data'));
  } finally {
    temp.remove();
  }
}
export const partitions = 2;

/** What the process was told while the power was on: what must survive a power cut, for a log that keeps its promises. */
export interface Ledger {
  /** Every record ever published, by id: its payload. */
  readonly published: Map<string, Buffer>;
  /** Ids whose publish() resolved while the power was on, in that order. */
  readonly acked: string[];
  /** Per partition, the highest position a resolved commit() confirmed. */
  readonly committed: number[];
}

export function newLedger(): Ledger {
  return { published: new Map(), acked: [], committed: Array.from({ length: partitions }, () => 0) };
}

/** 10 to 209 bytes derived from the id, so that a reader can check them. */
function payloadFor(id: string): Buffer {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return Buffer.alloc(10 + (hash % 200), id);
}

export function recordFor(ledger: Ledger, id: string, key: string): OutgoingRecord {
  const data = payloadFor(id);
  ledger.published.set(id, data);
  return { id, topic: topicName, key, headers: {}, data, timestamp: Date.now() };
}

export interface BootPlan {
  /** Log options besides dir (and the file system). */
  readonly options: Partial<LogOptions>;
  /** The power goes at this changing file call of the boot; at the end of the work when the work makes fewer. */
  readonly cutAt: number;
  /** Records each of the three publishers publishes. */
  readonly records: number;
  /** A label that makes this boot's ids unique. */
  readonly label: string;
}

/**
 * One boot of a process on the data dir `dir` of `crash`: three publishers publish (alone and in
 * small batches) while a consumer group acks everything and commits now and then, until the
 * power goes (at `plan.cutAt`, or after the work). Books what was acknowledged in `ledger`.
 */
export async function bootUntilPowerCut(crash: CrashFileSystem, dir: string, plan: BootPlan, ledger: Ledger): Promise<void> {
  const boot = crash.boot;
  const powered = (): boolean => crash.boot === boot && crash.poweredOn;
  crash.cutAtOperation(plan.cutAt);
  const transport = new LogTransport(withFileSystem({ dir, partitions, onRecovery: () => undefined, ...plan.options }, crash.fileSystem));
  let consuming: Promise<void> = Promise.resolve();
  try {
    await transport.connect();
    const subscription = await transport.subscribe(topicName, { group: 'g', start: 'earliest', maxInFlight: 20, ackTimeoutMs: 60_000 });
    consuming = (async () => {
      const acked = Array.from({ length: partitions }, () => 0);
      let count = 0;
      for await (const delivery of subscription) {
        delivery.ack();
        acked[delivery.partition] = Math.max(acked[delivery.partition]!, delivery.offset + 1);
        if (++count % 5 !== 0) continue;
        const upTo = [...acked];
        transport.commit().then(
          () => powered() && upTo.forEach((offset, p) => (ledger.committed[p] = Math.max(ledger.committed[p]!, offset))),
          () => undefined,
        );
      }
    })();
    const publisher = async (name: string): Promise<void> => {
      for (let i = 0; i < plan.records; ) {
        const size = i % 3 === 2 ? Math.min(3, plan.records - i) : 1;
        const batch = Array.from({ length: size }, (_, j) => recordFor(ledger, `${plan.label}-${name}-${i + j}`, `${name}${(i + j) % 4}`));
        i += size;
        await transport.publish(batch);
        if (powered()) for (const record of batch) ledger.acked.push(record.id);
      }
    };
    await Promise.all(['a', 'b', 'c'].map(publisher));
  } catch (error) {
    if (powered()) throw error; // only the power cut may stop the work
  }
  if (crash.boot === boot) await crash.powerCut();
  await transport.close().catch(() => undefined); // the dead process: only its timers go
  await consuming.catch(() => undefined);
}

/**
 * Opens the dir after the power cuts as a restarted bus would (recovery), then reads everything
 * back and lists every broken promise: an acknowledged record missing or changed, a committed
 * position gone back, a group position past the end, a record nobody published, a corrupt file.
 */
export async function brokenPromises(
  crash: CrashFileSystem,
  dir: string,
  ledger: Ledger,
  options: Partial<LogOptions>,
  mustSurvive: readonly string[] = ledger.acked,
): Promise<string[]> {
  const problems: string[] = [];
  const recovering = new LogTransport(withFileSystem({ dir, partitions, onRecovery: () => undefined, ...options }, crash.fileSystem));
  try {
    await recovering.connect();
  } catch (error) {
    return [`the log does not open after the power cut: ${(error as Error).message}`];
  } finally {
    await recovering.close();
  }
  const report = await verifyLog(dir);
  if (!report.ok) problems.push(`verifyLog: ${JSON.stringify(report.problems)}`);
  const inspector = await LogInspector.open(dir);
  const found = new Map<string, Buffer>();
  const ends: number[] = [];
  try {
    if (!inspector.listTopics().some((t) => t.name === topicName)) {
      return mustSurvive.length > 0 ? [`the topic is gone, with ${mustSurvive.length} acknowledged records`] : [];
    }
    for (let partition = 0; partition < partitions; partition++) {
      const records = await inspector.readRecords(topicName, { partition, limit: 1_000_000 });
      ends.push(inspector.describeTopic(topicName).partitions[partition]!.endOffset);
      for (const record of records) {
        if (found.has(record.id)) problems.push(`${record.id} is stored twice`);
        found.set(record.id, Buffer.from(record.data));
      }
    }
  } finally {
    await inspector.close();
  }
  for (const [id, data] of found) {
    const published = ledger.published.get(id);
    if (!published) problems.push(`${id} was never published`);
    else if (!published.equals(data)) problems.push(`${id} came back with other bytes`);
  }
  const lost = mustSurvive.filter((id) => !found.has(id));
  if (lost.length > 0) problems.push(`${lost.length} of ${mustSurvive.length} acknowledged records are lost (first: ${lost[0]})`);
  const saved = readAllGroupOffsets(nodeFileSystem, join(dir, topicName)).find((g) => g.group === 'g');
  ledger.committed.forEach((offset, p) => {
    const now = saved?.offsets[p] ?? 0;
    if (now < offset) problems.push(`group g's committed position on partition ${p} went back from ${offset} to ${now}`);
    // Under 'interval' a consumer may read and commit records a power cut then takes: the group starts over at the end.
    if (options.fsync !== 'interval' && now > ends[p]!) problems.push(`group g's position on partition ${p} (${now}) is past the end of the partition (${ends[p]})`);
  });
  return problems;
}
