// Publish → handler throughput through the whole runtime on MemoryTransport, 100-byte JSON.
// Each set-up runs `rounds` times (interleaved) and the median is printed, in wall-clock msg/s
// and in messages per CPU-second of the process (steadier when neighbours share the machine).
// Run: npm run build && node bench/runtime.mjs [messages] [rounds]
import 'reflect-metadata';
import { Actor, createBus, jsonCodec, MemoryTransport, silentLogger, Subscribe, topic } from '@hopbus/core';
import { fmt, machineLine, rate } from './machine.mjs';

const total = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 3);
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

/**
 * Publishes `total` messages in batches of 1,000 while one decorated handler takes them. The
 * producer stays at most `backlog` messages ahead of the handler: the memory transport resolves
 * a publish at once, so publishes in flight bound nothing, and a producer left alone runs through
 * every message before the handler has taken a tenth (the whole run then sits in memory, and the
 * garbage collector copies it around). `maxRetained`: handled records the transport keeps for
 * groups that start later.
 */
async function throughput(label, options, keyCount, { backlog = 2000, maxRetained = 0 } = {}) {
  const t = topic(`bench.${label}`);
  let seen = 0;
  let published = 0;
  let resolveDone;
  const done = new Promise((resolve) => (resolveDone = resolve));
  let resume;
  const Service = defineActor(`bench-${label}`, t, options, () => {
    if (++seen === total) resolveDone();
    if (resume && published - seen <= backlog / 2) {
      resume();
      resume = undefined;
    }
  });
  const bus = await createBus({ transport: new MemoryTransport({ maxRetained }), services: [Service], logger: silentLogger, env: {} });
  await bus.start();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const batch = 1000;
  for (let i = 0; i < total; i += batch) {
    const messages = [];
    for (let j = i; j < Math.min(total, i + batch); j++) messages.push({ payload: payload(j), options: keyCount ? { key: `k${j % keyCount}` } : undefined });
    await bus.publishBatch(t, messages);
    published += messages.length;
    if (published - seen >= backlog) await new Promise((resolve) => (resume = resolve));
  }
  await done;
  const ms = performance.now() - started;
  const cpuMs = cpuMsSince(cpu);
  await bus.stop();
  return { label, ms, perSecond: rate(total, ms), perCpuSecond: rate(total, cpuMs) };
}

function directBaseline() {
  const codec = jsonCodec();
  let seen = 0;
  const handler = () => void seen++;
  const encoded = [];
  const cpu = process.cpuUsage();
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
  return { label: 'direct', ms, perSecond: rate(total, ms), perCpuSecond: rate(total, cpuMsSince(cpu)) };
}

function cpuMsSince(start) {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

const median = (runs, field) => [...runs.map((r) => r[field])].sort((a, b) => a - b)[Math.floor(runs.length / 2)];

console.log(`hopbus runtime benchmark on MemoryTransport — ${fmt(total)} messages of ${sample.length} bytes JSON, median of ${rounds} rounds`);
console.log('the producer publishes batches of 1,000 and stays at most 2,000 messages ahead of the handler; handled records are not kept, unless said');
console.log(machineLine());
const setups = {
  direct: { name: 'direct: encode + decode + call, no runtime', run: async () => directBaseline() },
  c1: { name: 'runtime, concurrency 1, no key', run: () => throughput('c1', { concurrency: 1, maxInFlight: 1024 }, 0) },
  c64: { name: 'runtime, concurrency 64 over 1,000 keys', run: () => throughput('c64', { concurrency: 64, maxInFlight: 1024 }, 1000) },
  retained: {
    name: 'c64, keeps 100,000 handled (the default)',
    run: () => throughput('retained', { concurrency: 64, maxInFlight: 1024 }, 1000, { maxRetained: 100_000 }),
  },
  ahead: {
    name: 'c64, producer never waits for the handler',
    run: () => throughput('ahead', { concurrency: 64, maxInFlight: 1024 }, 1000, { backlog: Infinity }),
  },
};
const runs = Object.fromEntries(Object.keys(setups).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const name of Object.keys(setups)) runs[name].push(await setups[name].run());
}
const directNsPerCpu = 1e9 / median(runs.direct, 'perCpuSecond');
for (const [name, setup] of Object.entries(setups)) {
  const perSecond = median(runs[name], 'perSecond');
  const perCpuSecond = median(runs[name], 'perCpuSecond');
  const overhead = name === 'direct' ? '' : `   runtime overhead ${(1e9 / perCpuSecond - directNsPerCpu).toFixed(0)} ns/msg (CPU) over direct`;
  console.log(`${setup.name.padEnd(44)} ${fmt(perSecond).padStart(9)} msg/s   ${fmt(perCpuSecond).padStart(9)} msg per CPU-second${overhead}`);
}
const met = ['c1', 'c64'].every((name) => median(runs[name], 'perSecond') >= 500_000);
console.log(`goal: ≥ 500,000 msg/s through the runtime: ${met ? 'met' : 'NOT met'}`);
