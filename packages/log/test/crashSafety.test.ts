import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LogInspector, LogTransport, verifyLog } from '@hopbus/log';
import type { LogRecord } from '@hopbus/log';
import { ensureBuilt, fixturesDir } from './support/ensureBuilt.js';
import { payloadOf } from './support/payloadOf.js';
import { tempDir } from './support/tempDir.js';

/** Runs the crash child until `shouldKill` says so, then SIGKILLs it; resolves to the lines it printed. */
function runAndKill(args: string[], shouldKill: (line: string, lines: number) => number | undefined): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(fixturesDir, 'crashChild.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      const delay = timer ? undefined : shouldKill(line, lines.length);
      if (delay !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), delay);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      clearTimeout(timer);
      // Lines still in the pipe were written before the kill: readline has them once stdout closes.
      child.stdout.on('close', () => (signal === 'SIGKILL' ? resolve(lines) : reject(new Error(`child exited ${code} ${signal}: ${stderr}`))));
      if (child.stdout.closed) {
        if (signal === 'SIGKILL') resolve(lines);
        else reject(new Error(`child exited ${code} ${signal}: ${stderr}`));
      }
    });
  });
}

/** Every record of `topic`, per partition; none when the topic was never created (a kill before the first publish). */
async function readAll(dir: string, topic: string): Promise<LogRecord[][]> {
  const inspector = await LogInspector.open(dir, { verifyOnOpen: 'full' });
  try {
    const described = inspector.listTopics().find((t) => t.name === topic);
    if (!described) return [];
    return await Promise.all(described.partitions.map((p) => inspector.readRecords(topic, { partition: p.partition, limit: Number.MAX_SAFE_INTEGER })));
  } finally {
    await inspector.close();
  }
}

/** Every acknowledged record is stored byte-exact, once, at dense offsets from 0 in its partition. */
async function expectStored(dir: string, acked: ReadonlySet<string>): Promise<void> {
  const partitions = await readAll(dir, 'crash.publish');
  const stored = new Set<string>();
  const wrong: string[] = [];
  for (const records of partitions) {
    records.forEach((record, i) => {
      if (record.offset !== i) wrong.push(`offset ${record.offset} at index ${i}`); // dense from 0: no gap
      if (!Buffer.from(record.data).equals(payloadOf(record.id))) wrong.push(`payload of ${record.id}`);
      if (record.headers['x-id'] !== record.id) wrong.push(`header of ${record.id}`);
      if (stored.has(record.id)) wrong.push(`duplicate ${record.id}`);
      stored.add(record.id);
    });
  }
  expect(wrong.slice(0, 10)).toEqual([]);
  const missing = [...acked].filter((id) => !stored.has(id));
  expect(missing).toEqual([]);
}

beforeAll(() => ensureBuilt(), 60_000);

describe('crash safety (SIGKILL at random moments)', () => {
  it('keeps every acknowledged record byte-exact, with no gap in offsets and no torn tail after recovery', async () => {
    const { dir, remove } = tempDir('crash-publish');
    try {
      const acked = new Set<string>();
      let tornTailsSeen = 0;
      const kills = 20;
      for (let run = 0; run < kills; run++) {
        const lines = await runAndKill(['publish', dir, `r${run}`], (line, count) => (count === 2 || (line === 'ready' && Math.random() < 0.2) ? Math.floor(Math.random() * 100) : undefined));
        for (const line of lines) if (line.startsWith('ok ')) for (const id of line.slice(3).split(' ')) acked.add(id);

        // A kill never corrupts: at most a torn tail. (SIGKILL cannot split one write(2) to a
        // regular file, so torn tails are rare here; corruption.test.ts cuts batches by hand.)
        const before = await verifyLog(dir);
        expect(before.ok).toBe(true);
        tornTailsSeen += before.problems.filter((p) => p.kind === 'torn_tail').length;

        const reopened = new LogTransport({ dir, fsync: 'always', partitions: 2 });
        await reopened.connect(); // recovery: cut the torn tail, take over the stale lock
        await reopened.close();
        const after = await verifyLog(dir);
        expect(after.problems).toEqual([]);

        await expectStored(dir, acked);
      }
      expect(acked.size).toBeGreaterThan(kills);
      // Informational: how often the kill landed mid-write.
      console.log(`crash publish: ${kills} kills, ${acked.size} acknowledged records, ${tornTailsSeen} torn tails recovered`);
    } finally {
      remove();
    }
  }, 60_000);

  it.each(['interval', 'never'] as const)('loses no acknowledged record to a process crash with fsync %s (the kernel holds what was written)', async (fsync) => {
    const { dir, remove } = tempDir(`crash-${fsync}`);
    try {
      const acked = new Set<string>();
      for (let run = 0; run < 5; run++) {
        const lines = await runAndKill(['publish', dir, `r${run}`, fsync], (line) => (line === 'ready' ? 20 + Math.floor(Math.random() * 80) : undefined));
        for (const line of lines) if (line.startsWith('ok ')) for (const id of line.slice(3).split(' ')) acked.add(id);
        const reopened = new LogTransport({ dir, fsync, partitions: 2 });
        await reopened.connect();
        await reopened.close();
        expect((await verifyLog(dir)).problems).toEqual([]);
        await expectStored(dir, acked);
      }
      expect(acked.size).toBeGreaterThan(100);
    } finally {
      remove();
    }
  }, 60_000);

  it('resumes a consumer group after a kill with no acknowledged record lost and duplicates only from the unacknowledged window', async () => {
    const { dir, remove } = tempDir('crash-consume');
    try {
      const total = 20_000;
      const filler = new LogTransport({ dir, fsync: 'never' });
      for (let i = 0; i < total; i += 1000) {
        await filler.publish(Array.from({ length: 1000 }, (_, k) => ({ id: `c-${i + k}`, topic: 'crash.consume', headers: {}, data: Buffer.from(String(i + k)), timestamp: Date.now() })));
      }
      await filler.close();

      const delivered = new Set<number>();
      let lastCommitted = 0;
      const kills = 10;
      for (let run = 0; run < kills; run++) {
        const lines = await runAndKill(['consume', dir], (line) => (line === 'ready' ? 30 + Math.floor(Math.random() * 200) : undefined));
        // A commit covers only records that were acked, so delivered: the group may not resume past the first record never delivered.
        let lowestUndelivered = 0;
        while (delivered.has(lowestUndelivered)) lowestUndelivered++;
        let first: number | undefined;
        for (const line of lines) {
          if (line.startsWith('d ')) {
            const offset = Number(line.slice(2));
            first ??= offset;
            // Nothing below a durably committed position comes again.
            expect(offset).toBeGreaterThanOrEqual(lastCommitted);
            delivered.add(offset);
          } else if (line.startsWith('c ')) {
            const committed = Number(line.slice(2));
            expect(committed).toBeGreaterThanOrEqual(lastCommitted);
            lastCommitted = committed;
          }
        }
        // Resumes at (or after) the last durable commit (checked per delivery above), and never past a record no run settled.
        if (first !== undefined) expect(first).toBeLessThanOrEqual(lowestUndelivered);
      }
      expect(lastCommitted).toBeGreaterThan(0);

      // The rest, in this process: together with what the children saw, every record was delivered.
      const transport = new LogTransport({ dir });
      const subscription = await transport.subscribe('crash.consume', { group: 'g', start: 'earliest', maxInFlight: 500, ackTimeoutMs: 60_000 });
      let firstAfter: number | undefined;
      for await (const delivery of subscription) {
        firstAfter ??= delivery.offset;
        delivered.add(delivery.offset);
        delivery.ack();
        if (delivery.offset === total - 1) break;
      }
      await transport.close();
      expect(firstAfter).toBeGreaterThanOrEqual(lastCommitted);
      const missing = Array.from({ length: total }, (_, i) => i).filter((i) => !delivered.has(i));
      expect({ missing: missing.slice(0, 10), lastCommitted, firstAfter }).toEqual({ missing: [], lastCommitted, firstAfter });
      expect(delivered.size).toBe(total);
      console.log(`crash consume: ${kills} kills, last durable commit ${lastCommitted}, resumed at ${firstAfter}`);
    } finally {
      remove();
    }
  }, 60_000);
});
