import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LogInspector, LogTransport } from '@hopbus/log';
import type { Subscription } from '@hopbus/core';
import type { FsyncPolicy, LogOptions } from '@hopbus/log';
import { withFileSystem } from '../src/FileSystem.js';
import { CrashFileSystem } from './support/CrashFileSystem.js';
import { tempDir } from './support/tempDir.js';

/** A data dir on a disk that can lose power; transports over it are closed after each test. */
function onCrashDisk(): { crash: () => CrashFileSystem; dir: () => string; transport: (options?: Partial<LogOptions>) => LogTransport } {
  let temp: ReturnType<typeof tempDir> | undefined;
  let crash: CrashFileSystem | undefined;
  const open: LogTransport[] = [];
  beforeEach(() => {
    temp = tempDir('durable');
    mkdirSync(join(temp.dir, 'disk'));
    crash = new CrashFileSystem(join(temp.dir, 'disk'));
  });
  afterEach(async () => {
    for (const t of open.splice(0)) await t.close().catch(() => undefined);
    temp?.remove();
  });
  const dir = (): string => join(temp!.dir, 'disk', 'data');
  return {
    crash: () => crash!,
    dir,
    transport: (options = {}) => {
      const t = new LogTransport(withFileSystem({ dir: dir(), onRecovery: () => undefined, ...options }, crash!.fileSystem));
      open.push(t);
      return t;
    },
  };
}

const record = (topic: string, n: number, bytes = 100) => ({ id: `id-${n}`, topic, headers: {}, data: Buffer.alloc(bytes, n % 256), timestamp: Date.now() });

/** Group g's subscription to `topic`, from the earliest record when new. */
function subscribeG(t: LogTransport, topic: string): Promise<Subscription> {
  return t.subscribe(topic, { group: 'g', start: 'earliest', maxInFlight: 10, ackTimeoutMs: 60_000 });
}

/** Acks the first `count` deliveries of `subscription`; their ids. */
async function ackFirst(subscription: Subscription, count: number): Promise<string[]> {
  const ids: string[] = [];
  for await (const delivery of subscription) {
    ids.push(delivery.id);
    delivery.ack();
    if (ids.length === count) break;
  }
  return ids;
}

async function recordsAfterRecovery(dir: string, crash: CrashFileSystem, topic: string): Promise<string[]> {
  const recovering = new LogTransport(withFileSystem({ dir, onRecovery: () => undefined }, crash.fileSystem));
  await recovering.connect();
  await recovering.close();
  const inspector = await LogInspector.open(dir);
  try {
    return (await inspector.readRecords(topic, { limit: 100_000 })).map((r) => r.id);
  } finally {
    await inspector.close();
  }
}

describe('what the log syncs, seen by a disk that can lose power', () => {
  const { crash, dir, transport } = onCrashDisk();

  it.each<FsyncPolicy>(['interval', 'always'])("syncs a segment when it seals it (fsync '%s'), so a power cut keeps every sealed segment whole", async (fsync) => {
    // The interval timer never fires in this test: only the roll can have synced what is sealed.
    const t = transport({ fsync, fsyncIntervalMs: 3_600_000, segmentBytes: 1024 });
    await t.connect();
    for (let n = 0; n < 40; n++) await t.publish([record('sealed.t', n)]);
    const partitionDir = join(dir(), 'sealed.t', '0');
    const logs = readdirSync(partitionDir)
      .filter((f) => f.endsWith('.log'))
      .sort();
    expect(logs.length).toBeGreaterThan(3);
    for (const log of logs.slice(0, -1)) expect(crash().status(join(partitionDir, log))).toEqual({ exists: true, unsyncedChanges: 0, nameDurable: true });
    await crash().powerCut();
    const firstOfActive = Number(logs[logs.length - 1]!.slice(0, 20));
    const survivors = await recordsAfterRecovery(dir(), crash(), 'sealed.t');
    expect(survivors.slice(0, firstOfActive)).toEqual(Array.from({ length: firstOfActive }, (_, n) => `id-${n}`));
  });

  it.each<FsyncPolicy>(['interval', 'always'])("makes every folder it creates durable in its parent, and topic.json durable (fsync '%s')", async (fsync) => {
    const t = transport({ fsync, fsyncIntervalMs: 3_600_000, partitions: 2 });
    await t.publish([record('folders.t', 1)]);
    const topicDir = join(dir(), 'folders.t');
    for (const path of [dir(), topicDir, join(topicDir, '0'), join(topicDir, '1'), join(topicDir, 'topic.json')]) {
      expect([path, crash().status(path)]).toEqual([path, { exists: true, unsyncedChanges: 0, nameDurable: true }]);
    }
    for (const partition of ['0', '1']) {
      for (const file of ['00000000000000000000.log', '00000000000000000000.index']) expect(crash().status(join(topicDir, partition, file)).nameDurable).toBe(true);
    }
  });

  it.each<FsyncPolicy>(['interval', 'always'])("makes a group's position durable when commit() resolves (fsync '%s')", async (fsync) => {
    const t = transport({ fsync, fsyncIntervalMs: 3_600_000, commitIntervalMs: 3_600_000 });
    for (let n = 0; n < 5; n++) await t.publish([record('groups.t', n)]);
    const subscription = await subscribeG(t, 'groups.t');
    const groupsDir = join(dir(), 'groups.t', 'groups');
    // A new group's start is durable once subscribe() resolves (the heads beside it are written without fsync: they only guide counts).
    expect(crash().status(groupsDir).nameDurable).toBe(true);
    expect(crash().status(join(groupsDir, 'g.offsets'))).toEqual({ exists: true, unsyncedChanges: 0, nameDurable: true });
    await ackFirst(subscription, 3);
    await t.commit();
    expect(crash().status(join(groupsDir, 'g.offsets'))).toEqual({ exists: true, unsyncedChanges: 0, nameDurable: true });
    const durable = crash().durableImage(join(groupsDir, 'g.offsets'));
    expect(JSON.parse(String(durable).split('\n')[0]!)).toMatchObject({ group: 'g', offsets: [3] });
  });

  it("does not resolve a new group's subscribe before the groups folder another group is creating is durable", async () => {
    const t = transport({ fsync: 'always' });
    await t.publish([record('race.t', 1)]);
    const topicDir = join(dir(), 'race.t');
    const groupsDir = join(topicDir, 'groups');
    const isDurable = (group: string): boolean =>
      crash().status(groupsDir).nameDurable && crash().status(join(groupsDir, `${group}.offsets`)).nameDurable && crash().status(join(groupsDir, `${group}.offsets`)).unsyncedChanges === 0;
    // The first group to subscribe creates the groups folder; its entry in the topic folder is held on its way to disk.
    const held = crash().hold((call, path) => call === 'fsync' && path === topicDir);
    const resolved: string[] = [];
    const subscribing = ['a', 'b'].map((group) => t.subscribe('race.t', { group, start: 'earliest', maxInFlight: 1, ackTimeoutMs: 60_000 }).then(() => resolved.push(group)));
    try {
      await held.reached;
      await crash().idle();
      for (const group of resolved) expect([group, isDurable(group)]).toEqual([group, true]);
    } finally {
      held.release();
    }
    await Promise.all(subscribing);
    expect(resolved.sort()).toEqual(['a', 'b']);
    for (const group of resolved) expect([group, isDurable(group)]).toEqual([group, true]);
  });

  it("under fsync 'interval', a group that consumed records a power cut then took gets the records published after it", async () => {
    const options = { fsync: 'interval' as const, fsyncIntervalMs: 3_600_000 };
    const before = transport(options);
    for (let n = 0; n < 5; n++) await before.publish([record('late.t', n)]);
    await ackFirst(await subscribeG(before, 'late.t'), 5);
    await before.commit(); // durable: the group is at 5, the records below are not synced yet
    await crash().powerCut();
    await before.close().catch(() => undefined);

    const after = transport(options);
    await subscribeG(after, 'late.t');
    for (let n = 0; n < 5; n++) await after.publish([{ ...record('late.t', n), id: `new-${n}` }]);
    await after.close();
    const inspector = await LogInspector.open(dir());
    try {
      expect(inspector.listGroups('late.t')[0]!.partitions[0]).toMatchObject({ committed: 0, endOffset: 5, lag: 5 });
    } finally {
      await inspector.close();
    }
    const again = transport(options);
    expect(await ackFirst(await subscribeG(again, 'late.t'), 5)).toEqual(['new-0', 'new-1', 'new-2', 'new-3', 'new-4']);
  });

  it.each<FsyncPolicy>(['interval', 'always'])("writes the retention it opened with durably, for tools to show after a power loss (fsync '%s')", async (fsync) => {
    const t = transport({ fsync, retention: { maxAgeMs: 60_000 } });
    await t.publish([record('kept.t', 1)]);
    expect(crash().status(join(dir(), '.retention.json'))).toEqual({ exists: true, unsyncedChanges: 0, nameDurable: true });
    await crash().powerCut();
    const inspector = await LogInspector.open(dir());
    try {
      expect(inspector.describeTopic('kept.t').retention).toMatchObject({ maxAgeMs: 60_000, source: 'owner' });
    } finally {
      await inspector.close();
    }
  });

  it("opens after a power cut left a group's heads empty (written without fsync), the group at its committed position", async () => {
    const before = transport({ fsync: 'always' });
    for (let n = 0; n < 6; n++) await before.publish([record('heads.t', n)]);
    await ackFirst(await subscribeG(before, 'heads.t'), 3);
    await before.commit(); // its folder sync makes the heads' name durable, not their bytes
    const heads = join(dir(), 'heads.t', 'groups', 'g.heads');
    expect(crash().durableImage(heads)).toEqual(Buffer.alloc(0));
    await crash().powerCut();
    await before.close().catch(() => undefined);
    const after = transport({ fsync: 'always' });
    expect(await ackFirst(await subscribeG(after, 'heads.t'), 3)).toEqual(['id-3', 'id-4', 'id-5']);
  });
});
