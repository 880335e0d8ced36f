import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OutgoingRecord } from '@hopbus/core';
import { LogTransport, repairLog } from '@hopbus/log';
import type { LogOptions, RepairProgress } from '@hopbus/log';
import { tempDir } from './support/tempDir.js';

function record(topic: string, n: number, bytes: number): OutgoingRecord {
  return { id: `id-${n}`, topic, key: `k${n % 3}`, headers: {}, data: Buffer.alloc(bytes, n % 251), timestamp: 1_700_000_000_000 + n };
}

async function write(dir: string, records: readonly OutgoingRecord[], options: Partial<LogOptions> = {}): Promise<void> {
  const transport = new LogTransport({ dir, fsync: 'never', ...options });
  for (const r of records) await transport.publish([r]);
  await transport.close();
}

/** Every segment file under `dir` with its size. */
function segmentSizes(dir: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const topic of readdirSync(dir).filter((name) => !name.startsWith('.'))) {
    for (const partition of readdirSync(join(dir, topic)).filter((name) => /^\d+$/.test(name))) {
      for (const file of readdirSync(join(dir, topic, partition)).filter((name) => name.endsWith('.log'))) {
        const path = join(dir, topic, partition, file);
        sizes.set(path, statSync(path).size);
      }
    }
  }
  return sizes;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

describe('repairLog progress', () => {
  let dir: string;
  let remove: () => void;
  beforeEach(() => ({ dir, remove } = tempDir('repair-progress')));
  afterEach(() => remove());

  it('reports the repairing pass over every byte it reads, then the verify after it', async () => {
    // A 3 MiB segment (read in several chunks), and a topic of many small segments, one of them corrupt.
    await write(dir, Array.from({ length: 48 }, (_, n) => record('big', n, 64 * 1024)));
    await write(dir, Array.from({ length: 300 }, (_, n) => record('small', n, 40)), { partitions: 2, segmentBytes: 1024 });
    const bigSegment = join(dir, 'big', '0', '00000000000000000000.log');
    const smallSegments = readdirSync(join(dir, 'small', '0')).filter((f) => f.endsWith('.log')).sort();
    expect(smallSegments.length).toBeGreaterThan(3);
    const corrupt = join(dir, 'small', '0', smallSegments[1]!);
    const bytes = readFileSync(corrupt);
    bytes[200] = bytes[200]! ^ 0xff;
    writeFileSync(corrupt, bytes);
    const before = segmentSizes(dir);
    expect(before.get(bigSegment)).toBeGreaterThan(3 * 1024 * 1024);

    const events: RepairProgress[] = [];
    const report = await repairLog(dir, { onProgress: (p) => events.push(p) });
    expect(report.ok).toBe(true);
    expect(report.actions).toContainEqual(expect.objectContaining({ kind: 'truncated', file: corrupt }));
    const after = segmentSizes(dir);
    expect(after.get(corrupt)).toBeLessThan(before.get(corrupt)!);

    // The repairing pass comes first and counts the log as it was, cut bytes included.
    const repairing = events.filter((p) => p.phase === 'repairing');
    const verifying = events.filter((p) => p.phase === 'verifying');
    expect(events).toEqual([...repairing, ...verifying]);
    const total = sum(before.values());
    expect(repairing.length).toBeGreaterThan(before.size);
    expect(new Set(repairing.map((p) => p.bytesTotal))).toEqual(new Set([total]));
    repairing.forEach((p, i) => expect(p.bytesDone).toBeGreaterThanOrEqual(i === 0 ? 0 : repairing[i - 1]!.bytesDone));
    expect(repairing.at(-1)!.bytesDone).toBe(total);
    expect(new Set(repairing.map((p) => p.file))).toEqual(new Set(before.keys()));
    // ... and moves while it reads one file, not only between files.
    expect(repairing.filter((p) => p.file === bigSegment).length).toBeGreaterThanOrEqual(3);

    // The verify after it checks the repaired log, which is smaller.
    expect(verifying.length).toBeGreaterThan(0);
    expect(verifying.at(-1)).toEqual(expect.objectContaining({ bytesDone: sum(after.values()), bytesTotal: sum(after.values()) }));
  });
});
