import { cpSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Delivery, Subscription } from '@hopbus/core';
import { LogTransport } from '@hopbus/log';
import { waitFor } from '../../core/test/waitFor.js';
import { tempDir } from './support/tempDir.js';

const topic = 'careful.t';
const total = 200;
const options = { group: 'g', start: 'earliest', maxInFlight: 64, ackTimeoutMs: 600_000 } as const;

/** What a SIGKILL leaves: the files as they are now, without the lock. */
function copyAsKilled(from: string, to: string): void {
  cpSync(from, to, { recursive: true, filter: (path) => basename(path) !== '.lock' });
}

async function seed(dir: string): Promise<void> {
  const transport = new LogTransport({ dir, fsync: 'never' });
  await transport.publish(Array.from({ length: total }, (_, i) => ({ id: `r${i}`, topic, headers: {}, data: Buffer.from(`record ${i}`), timestamp: Date.now() })));
  await transport.close();
}

/** Takes `count` deliveries from `subscription` without settling them. */
async function take(subscription: Subscription, count: number): Promise<Delivery[]> {
  const iterator = subscription[Symbol.asyncIterator]();
  const taken: Delivery[] = [];
  while (taken.length < count) taken.push((await iterator.next()).value as Delivery);
  return taken;
}

/** The suspects the group's heads file lists for partition 0 as [offset, runs, out]. */
function recordedSuspects(dir: string): number[][] {
  const heads = JSON.parse(readFileSync(join(dir, topic, 'groups', 'g.heads'), 'utf8')) as { partitions: { suspects: number[][] }[] };
  return heads.partitions[0]!.suspects;
}

/**
 * A consumer that acks in batches, as the crash child does: it holds 16 deliveries, then acks 12
 * of them in a scrambled order. Returns every delivery's count by offset once all `total` were seen.
 */
async function consumeInBatches(transport: LogTransport): Promise<Map<number, number>> {
  const subscription = await transport.subscribe(topic, options);
  const counts = new Map<number, number>();
  const held: Delivery[] = [];
  for await (const delivery of subscription) {
    counts.set(delivery.offset, delivery.deliveryCount);
    held.push(delivery);
    if (counts.size === total) {
      for (const d of held) d.ack(); // ending the iteration drains: it waits for every delivery held
      break;
    }
    if (held.length < 16) continue;
    held.sort((a, b) => ((a.offset * 7919) % 13) - ((b.offset * 7919) % 13));
    for (const d of held.splice(0, 12)) d.ack();
  }
  return counts;
}

describe('careful mode, after a run died with its head handed out', () => {
  it('does not hold back a consumer that keeps many deliveries before acking them', async () => {
    const { dir, remove } = tempDir('careful');
    try {
      const data = join(dir, 'data');
      const crashed = join(dir, 'crashed');
      await seed(data);
      const first = new LogTransport({ dir: data, fsync: 'never' });
      const held = await take(await first.subscribe(topic, options), 20);
      expect(held.map((d) => d.deliveryCount)).toEqual(held.map(() => 1));
      copyAsKilled(data, crashed);
      await first.close();

      const careful = new LogTransport({ dir: crashed, fsync: 'never' });
      try {
        const counts = await consumeInBatches(careful);
        expect(counts.size).toBe(total);
        // The head was the record recorded out: it alone counts the run that died.
        expect(counts.get(0)).toBe(2);
        expect([...counts].filter(([offset, count]) => offset !== 0 && count !== 1)).toEqual([]);
      } finally {
        await careful.close();
      }
    } finally {
      remove();
    }
  });

  it('counts each record held when a careful run dies, and none it settled', async () => {
    const { dir, remove } = tempDir('careful');
    try {
      const data = join(dir, 'data');
      const once = join(dir, 'once');
      const twice = join(dir, 'twice');
      await seed(data);
      const first = new LogTransport({ dir: data, fsync: 'never' });
      await take(await first.subscribe(topic, options), 1);
      copyAsKilled(data, once);
      await first.close();

      // A careful run acks 0..9, holds 10..29, and dies.
      const careful = new LogTransport({ dir: once, fsync: 'never', commitIntervalMs: 600_000 });
      const held = await take(await careful.subscribe(topic, options), 30);
      expect(held[0]!.deliveryCount).toBe(2);
      for (const delivery of held.slice(0, 10)) delivery.ack();
      const expected = Array.from({ length: 20 }, (_, i) => [10 + i, 0, 1]);
      await waitFor('the heads to record the settles', () => JSON.stringify(recordedSuspects(once)) === JSON.stringify(expected));
      copyAsKilled(once, twice);
      await careful.close();

      const next = new LogTransport({ dir: twice, fsync: 'never' });
      try {
        const taken = await take(await next.subscribe(topic, options), 40);
        // Nothing settled comes again; each record out at the crash counts one run; the rest none.
        expect(taken.map((d) => d.offset)).toEqual(Array.from({ length: 40 }, (_, i) => 10 + i));
        expect(taken.map((d) => d.deliveryCount)).toEqual(taken.map((d) => (d.offset < 30 ? 2 : 1)));
      } finally {
        await next.close();
      }
    } finally {
      remove();
    }
  });
});
