// Publish → handler throughput through the whole runtime on MemoryTransport, 100-byte JSON.
// Run: npm run build && node bench/runtime.mjs [messages]
import 'reflect-metadata';
import { Actor, createBus, jsonCodec, MemoryTransport, silentLogger, Subscribe, topic } from '@hopbus/core';
import { fmt, machineLine, rate } from './machine.mjs';

const total = Number(process.argv[2] ?? 1_000_000);
const payload = (n) => ({ orderId: `order-${String(n).padStart(8, '0')}`, customer: 'c-0001', total: 42.5, note: 'x'.repeat(29) });
const sample = JSON.stringify(payload(1));

function defineActor(name, t, options, onMessage) {
  class Bench {
    handle(p) {
      onMessage(p);
    }
  }
  Subscribe(t, options)(Bench.prototype, 'handle', Object.getOwnPropertyDescriptor(Bench.prototype, 'handle'));
  Actor(name)(Bench);
  return Bench;
}

async function throughput(label, options, keyCount) {
  const t = topic(`bench.${label}`);
  let seen = 0;
  let resolveDone;
  const done = new Promise((resolve) => (resolveDone = resolve));
  const Service = defineActor(`bench-${label}`, t, options, () => {
    if (++seen === total) resolveDone();
  });
  const bus = await createBus({ transport: new MemoryTransport({ maxRetained: 10_000 }), services: [Service], logger: silentLogger, env: {} });
  await bus.start();
  const started = performance.now();
  const batch = 1000;
  const inFlight = [];
  for (let i = 0; i < total; i += batch) {
    const messages = [];
    for (let j = i; j < Math.min(total, i + batch); j++) messages.push({ payload: payload(j), options: keyCount ? { key: `k${j % keyCount}` } : undefined });
    inFlight.push(bus.publishBatch(t, messages));
    if (inFlight.length >= 8) await inFlight.shift();
  }
  await Promise.all(inFlight);
  await done;
  const ms = performance.now() - started;
  await bus.stop();
  return { label, ms, perSecond: rate(total, ms) };
}

function directBaseline() {
  const codec = jsonCodec();
  let seen = 0;
  const handler = () => void seen++;
  const encoded = [];
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const data = codec.encode(payload(i));
    encoded.push(data);
    if (encoded.length === 1000) {
      for (const d of encoded) handler(codec.decode(d));
      encoded.length = 0;
    }
  }
  for (const d of encoded) handler(codec.decode(d));
  const ms = performance.now() - started;
  return { label: 'direct: encode + decode + call, no runtime', ms, perSecond: rate(total, ms) };
}

console.log(`hopbus runtime benchmark on MemoryTransport — ${fmt(total)} messages of ${sample.length} bytes JSON`);
console.log(machineLine());
const direct = directBaseline();
const results = [
  await throughput('c1', { concurrency: 1, maxInFlight: 1024 }, 0),
  await throughput('c64', { concurrency: 64, maxInFlight: 1024 }, 1000),
];
console.log(`${direct.label.padEnd(48)} ${fmt(direct.perSecond).padStart(11)} msg/s`);
for (const r of results) {
  const overheadNs = ((r.ms - direct.ms) / total) * 1e6;
  console.log(
    `${`runtime ${r.label === 'c1' ? 'concurrency 1, no key' : 'concurrency 64 over 1,000 keys'}`.padEnd(48)} ${fmt(r.perSecond).padStart(11)} msg/s   runtime overhead ${overheadNs.toFixed(0)} ns/msg over direct`,
  );
}
console.log(`goal: ≥ 500,000 msg/s through the runtime: ${results.every((r) => r.perSecond >= 500_000) ? 'met' : 'NOT met'}`);
