import type { Delivery, OutgoingRecord } from '@hopbus/core';
import { LogTransport } from '@hopbus/log';
import { LogSubscription } from '../src/LogSubscription.js';
import { tempDir } from './support/tempDir.js';

describe('handing back many deliveries at once', () => {
  it('redelivers 40,000 aborted deliveries in partition and offset order, quickly', async () => {
    const { dir, remove } = tempDir('handback');
    const t = new LogTransport({ dir, fsync: 'never', partitions: 3 });
    try {
      const total = 40_000;
      const now = Date.now();
      for (let n = 0; n < total; n += 2000) {
        const records: OutgoingRecord[] = [];
        for (let i = n; i < n + 2000; i++) records.push({ id: `r${i}`, topic: 'handback.t', key: `k${i % 7}`, headers: {}, data: Buffer.from(`record ${i}`), timestamp: now });
        await t.publish(records);
      }
      const options = { group: 'g', start: 'earliest', maxInFlight: 50_000, ackTimeoutMs: 600_000 } as const;
      const first = await t.subscribe('handback.t', options);
      const iterator = first[Symbol.asyncIterator]();
      const taken: Delivery[] = [];
      while (taken.length < total) taken.push((await iterator.next()).value as Delivery);
      expect(first).toBeInstanceOf(LogSubscription);
      const second = await t.subscribe('handback.t', options);
      const expected = taken.map((d) => `${d.partition}:${d.offset}`).sort((a, b) => compareKeys(a, b));

      // A bound far above the O(log n) hand-back (~0.3 s here) and far below the old quadratic one
      // (an array sorted on every nack and spliced on every take: ~19 s on the same machine). On
      // this process's CPU time, not the wall clock: other processes taking the cores do not add to it.
      const started = process.cpuUsage();
      (first as LogSubscription).abort();
      const again: string[] = [];
      const counts = new Set<number>();
      for await (const delivery of second) {
        counts.add(delivery.deliveryCount);
        again.push(`${delivery.partition}:${delivery.offset}`);
        delivery.ack();
        if (again.length === total) break;
      }
      const used = process.cpuUsage(started);
      const cpuMs = (used.user + used.system) / 1000;

      expect(counts).toEqual(new Set([2]));
      expect(again).toEqual(expected);
      expect(cpuMs).toBeLessThan(3000);
    } finally {
      await t.close();
      remove();
    }
  });

  it('redelivers records nacked with different delays, each when due, earliest first', async () => {
    const { dir, remove } = tempDir('delays');
    const t = new LogTransport({ dir, fsync: 'never' });
    try {
      await t.publish([0, 1, 2].map((i) => ({ id: `r${i}`, topic: 'delays.t', headers: {}, data: Buffer.from(`record ${i}`), timestamp: Date.now() })));
      const iterator = (await t.subscribe('delays.t', { group: 'g', start: 'earliest', maxInFlight: 10, ackTimeoutMs: 600_000 }))[Symbol.asyncIterator]();
      const delays = [300, 100, 200];
      for (const delay of delays) ((await iterator.next()).value as Delivery).nack(delay);
      // One timer a group, for the earliest: once that one is taken, the timer must be armed for the next.
      const again: number[] = [];
      for (let i = 0; i < 3; i++) {
        const delivery = (await iterator.next()).value as Delivery;
        again.push(delivery.offset);
        delivery.ack();
      }
      expect(again).toEqual([1, 2, 0]);
    } finally {
      await t.close();
      remove();
    }
  });
});

function compareKeys(a: string, b: string): number {
  const [pa, oa] = a.split(':').map(Number) as [number, number];
  const [pb, ob] = b.split(':').map(Number) as [number, number];
  return pa - pb || oa - ob;
}
