// Raw LogTransport throughput, no bus: node packages/log/scripts/bench-engine.mjs [records]
// Builds nothing: run `npx tsc -p packages/log/tsconfig.json` (or npm run build) first.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogTransport } from '../dist/index.js';

const total = Number(process.argv[2] ?? 200_000);
const payload = Buffer.alloc(256, 1);

function records(topic, from, count) {
  const out = [];
  for (let i = 0; i < count; i++) out.push({ id: `0190f0c2-0000-7000-8000-${String(from + i).padStart(12, '0')}`, topic, key: `k${(from + i) % 100}`, headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }, data: payload, timestamp: Date.now() });
  return out;
}

async function run(name, fsync, concurrency, batch) {
  const dir = mkdtempSync(join(tmpdir(), 'hopbus-bench-'));
  const transport = new LogTransport({ dir, fsync });
  await transport.connect();
  const topic = 'bench.t';
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const from = next;
      next += batch;
      await transport.publish(records(topic, from, Math.min(batch, total - from)));
    }
  }));
  const published = Number(process.hrtime.bigint() - started) / 1e9;
  const subscription = await transport.subscribe(topic, { group: 'bench', start: 'earliest', maxInFlight: 1000, ackTimeoutMs: 60_000 });
  const consumeStart = process.hrtime.bigint();
  let count = 0;
  for await (const delivery of subscription) {
    delivery.ack();
    if (++count === total) break;
  }
  const consumed = Number(process.hrtime.bigint() - consumeStart) / 1e9;
  await transport.close();
  rmSync(dir, { recursive: true, force: true });
  const mb = (total * 256) / 1048576;
  console.log(`${name.padEnd(44)} publish ${Math.round(total / published).toLocaleString('en').padStart(10)} rec/s (${(mb / published).toFixed(0)} MiB/s payload)   consume ${Math.round(total / consumed).toLocaleString('en').padStart(10)} rec/s`);
}

console.log(`${total.toLocaleString('en')} records of 256 bytes, 1 partition, Node ${process.version}`);
await run('fsync always, 1 publisher, 1 record/publish', 'always', 1, 1).catch(console.error);
await run('fsync always, 64 publishers, 1 record each', 'always', 64, 1);
await run('fsync always, 8 publishers, 100 records each', 'always', 8, 100);
await run('fsync interval, 64 publishers, 1 record each', 'interval', 64, 1);
await run('fsync never, 8 publishers, 1000 records each', 'never', 8, 1000);
