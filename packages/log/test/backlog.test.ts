import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { OutgoingRecord } from '@hopbus/core';
import { LogInspector, LogTransport } from '@hopbus/log';
import { tempDir } from './support/tempDir.js';

describe('a deep backlog', () => {
  it('consumes 1,000,000 records with bounded memory', async () => {
    const { dir, remove } = tempDir('backlog');
    try {
      const total = 1_000_000;
      const payload = Buffer.alloc(100, 7);
      const writer = new LogTransport({ dir, fsync: 'never' });
      const now = Date.now();
      for (let n = 0; n < total; n += 10_000) {
        const records: OutgoingRecord[] = [];
        for (let i = 0; i < 10_000; i++) records.push({ id: `r${n + i}`, topic: 'backlog.t', key: `k${i % 64}`, headers: { 'x-i': 'y' }, data: payload, timestamp: now });
        await writer.publish(records);
      }
      await writer.close();
      const inspector = await LogInspector.open(dir);
      const bytes = inspector.describeTopic('backlog.t').bytes;
      await inspector.close();
      expect(bytes).toBeGreaterThan(128 * 1024 * 1024);

      // Live memory, not garbage waiting for a collection: collect before each measure.
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const memory = (): number => {
        gc();
        const m = process.memoryUsage();
        return m.heapUsed + m.arrayBuffers;
      };
      // The baseline before the reader opens the log: what opening and subscribing keep counts too.
      const baseline = memory();
      const reader = new LogTransport({ dir });
      const subscription = await reader.subscribe('backlog.t', { group: 'g', start: 'earliest', maxInFlight: 1000, ackTimeoutMs: 60_000 });
      let peak = memory() - baseline;
      let count = 0;
      let expected = 0;
      let outOfOrder = 0;
      for await (const delivery of subscription) {
        if (delivery.offset !== expected++) outOfOrder++;
        delivery.ack();
        if (++count % 50_000 === 0) peak = Math.max(peak, memory() - baseline);
        if (count === total) break;
      }
      await reader.close();
      expect(count).toBe(total);
      expect(outOfOrder).toBe(0);
      // The log is ~150 MiB; reading it must hold only a few read-ahead chunks and the window.
      expect(peak).toBeLessThan(32 * 1024 * 1024);
      console.log(`backlog: ${total} records, ${(bytes / 1048576).toFixed(0)} MiB on disk, peak live memory growth ${(peak / 1048576).toFixed(1)} MiB`);
    } finally {
      remove();
    }
  }, 300_000); // over a minute on a loaded 2-core machine: writing and reading 140 MiB
});
