import { closeSync, openSync, readdirSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Actor, createBus, Subscribe, topic } from '@hopbus/core';
import type { Logger } from '@hopbus/core';
import { LogTransport } from '@hopbus/log';
import { waitFor } from '../../core/test/waitFor.js';
import { tempDir } from './support/tempDir.js';

const Jobs = topic<{ n: number }>('corrupt.running');

function flipByte(file: string, position: number): void {
  const fd = openSync(file, 'r+');
  try {
    const one = Buffer.alloc(1);
    readSync(fd, one, 0, 1, position);
    one[0] = one[0]! ^ 0xff;
    writeSync(fd, one, 0, 1, position);
  } finally {
    closeSync(fd);
  }
}

/** Byte positions where the batches of a segment start. */
function batchStarts(file: string): number[] {
  const buf = readFileSync(file);
  const starts: number[] = [];
  for (let at = 0; at < buf.byteLength; at += buf.readUInt32LE(at) + 4) starts.push(at);
  return starts;
}

interface Logged {
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown> | undefined;
}

function capturingLogger(into: Logged[]): Logger {
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void into.push({ level, message, fields });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('a corrupt batch met while a bus consumes, with default settings', () => {
  it('is logged as an error naming the file and the byte position, and the consumer stops at the record before it', async () => {
    const { dir, remove } = tempDir('corrupt-running');
    try {
      const total = 3000;
      const seed = new LogTransport({ dir, segmentBytes: 4096, fsync: 'never' });
      for (let n = 0; n < total; n += 10) await seed.publish(Array.from({ length: 10 }, (_, i) => ({ id: `id-${n + i}`, topic: Jobs.name, headers: {}, data: Buffer.from(JSON.stringify({ n: n + i })), timestamp: Date.now() })));
      await seed.close();
      const partition = join(dir, Jobs.name, '0');
      const segments = readdirSync(partition).filter((f) => f.endsWith('.log')).sort();
      expect(segments.length).toBeGreaterThan(20);
      const sealed = join(partition, segments[10]!);
      const badBatch = batchStarts(sealed)[1]!;

      const handled: number[] = [];
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      @Actor('corrupt-worker')
      class Worker {
        @Subscribe(Jobs)
        async handle(job: { n: number }): Promise<void> {
          if (job.n === 0) await released;
          handled.push(job.n);
        }
      }
      const logged: Logged[] = [];
      const bus = await createBus({ transport: `log:${dir}`, services: [Worker], logger: capturingLogger(logged), env: {} });
      await bus.start(); // opening the log checked it: the damage comes after
      try {
        flipByte(sealed, badBatch + 60);
        release();
        await waitFor('the failure to be logged', () => logged.some((l) => l.level === 'error'), 20_000);
      } finally {
        await bus.stop();
      }
      const errors = logged.filter((l) => l.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message).toMatch(/corrupt-worker\.handle \(corrupt\.running\).*receives nothing more/);
      expect(errors[0]!.fields).toMatchObject({ code: 'corrupt_log', file: sealed, position: badBatch });
      expect(String(errors[0]!.fields!['error'])).toMatch(/hopbus log repair/);
      // Everything before the bad batch was handled, in order; nothing after it was passed over silently.
      expect(handled).toEqual(Array.from({ length: handled.length }, (_, i) => i));
      expect(handled.length).toBeLessThan(total);
    } finally {
      remove();
    }
  });
});
