// The durable log against its peers, same machine, same run, same method, 100-byte JSON.
// Run: npm run build && node bench/log.mjs [--quick]
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Actor, createBus, silentLogger, Subscribe, topic } from '@hopbus/core';
import { LogTransport } from '@hopbus/log';
import { NatsServer } from '@hopbus/testing';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { fmt, machineLine, rate } from './machine.mjs';
import { percentile, publishWindowed, sendAtRate, startRedis } from './peers.mjs';

const quick = process.argv.includes('--quick');
const N = quick ? 50_000 : 200_000;
const PEER_N = quick ? 20_000 : 50_000;
const WINDOW = 1000;
const payload = (n) => ({ orderId: `order-${String(n).padStart(8, '0')}`, customer: 'c-0001', total: 42.5, note: 'x'.repeat(29), sentAt: 0 });
const encoded = (n) => Buffer.from(JSON.stringify(payload(n)));
const tmp = (label) => mkdtempSync(join(tmpdir(), `hopbus-bench-${label}-`));

function handlerService(name, t, onMessage) {
  class Sink {
    handle(p) {
      onMessage(p);
    }
  }
  Subscribe(t, { concurrency: 1, maxInFlight: 2048 })(Sink.prototype, 'handle', Object.getOwnPropertyDescriptor(Sink.prototype, 'handle'));
  Actor(name)(Sink);
  return Sink;
}

const rows = [];
function report(section, system, value, unit, extra = '') {
  rows.push({ section, system, value, unit });
  console.log(`${section.padEnd(22)} ${system.padEnd(40)} ${typeof value === 'number' ? fmt(Math.round(value)).padStart(11) : String(value).padStart(11)} ${unit}${extra ? `   ${extra}` : ''}`);
}

// ---- hopbus log ----
async function hopbusPublish(fsync) {
  const dir = tmp(`pub-${fsync}`);
  const t = topic('bench.orders');
  const bus = await createBus({ transport: new LogTransport({ dir, fsync }), logger: silentLogger, env: {} });
  await bus.transport.connect();
  const started = performance.now();
  await publishWindowed(N, WINDOW, (i) => bus.publish(t, payload(i)));
  const ms = performance.now() - started;
  await bus.stop();
  return { dir, perSecond: rate(N, ms) };
}

async function hopbusConsume(dir) {
  const t = topic('bench.orders');
  let seen = 0;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  const Sink = handlerService('bench-consumer', t, () => ++seen === N && done());
  const bus = await createBus({ transport: new LogTransport({ dir }), services: [Sink], logger: silentLogger, env: {} });
  const started = performance.now();
  await bus.start();
  await finished;
  const ms = performance.now() - started;
  await bus.stop();
  return rate(N, ms);
}

async function hopbusLatency() {
  const dir = tmp('lat');
  const t = topic('bench.latency');
  const latencies = [];
  const Sink = handlerService('bench-latency', t, (p) => latencies.push(performance.now() - p.sentAt));
  const bus = await createBus({ transport: new LogTransport({ dir, fsync: 'always' }), services: [Sink], logger: silentLogger, env: {} });
  await bus.start();
  await sendAtRate(10_000, 3, (i) => bus.publish(t, { ...payload(i), sentAt: performance.now() }));
  while (latencies.length < 30_000) await new Promise((r) => setTimeout(r, 10));
  await bus.stop();
  rmSync(dir, { recursive: true, force: true });
  return latencies.sort((a, b) => a - b);
}

// ---- NATS JetStream ----
async function jetStreamRuns() {
  const server = await NatsServer.start();
  const nc = await connect({ servers: server.url });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  await jsm.streams.add({ name: 'BENCH', subjects: ['bench.>'], storage: StorageType.File });
  let started = performance.now();
  await publishWindowed(PEER_N, WINDOW, (i) => js.publish('bench.orders', encoded(i)));
  const publish = rate(PEER_N, performance.now() - started);

  await jsm.consumers.add('BENCH', { durable_name: 'reader', ack_policy: AckPolicy.Explicit, filter_subject: 'bench.orders', max_ack_pending: 2048 });
  const consumer = await js.consumers.get('BENCH', 'reader');
  started = performance.now();
  const messages = await consumer.consume({ max_messages: 2048 });
  let seen = 0;
  for await (const m of messages) {
    JSON.parse(m.string());
    m.ack();
    if (++seen === PEER_N) break;
  }
  const consume = rate(PEER_N, performance.now() - started);

  await jsm.consumers.add('BENCH', { durable_name: 'latency', ack_policy: AckPolicy.Explicit, filter_subject: 'bench.latency', max_ack_pending: 2048 });
  const latencyConsumer = await js.consumers.get('BENCH', 'latency');
  const latencies = [];
  const stream = await latencyConsumer.consume({ max_messages: 2048 });
  const reading = (async () => {
    for await (const m of stream) {
      latencies.push(performance.now() - JSON.parse(m.string()).sentAt);
      m.ack();
      if (latencies.length === 30_000) break;
    }
  })();
  await sendAtRate(10_000, 3, (i) => js.publish('bench.latency', Buffer.from(JSON.stringify({ ...payload(i), sentAt: performance.now() }))));
  await reading;
  await nc.drain();
  await server.dispose();
  return { publish, consume, latencies: latencies.sort((a, b) => a - b) };
}

// ---- Redis Streams ----
async function redisRuns(appendfsync, withConsume) {
  const redis = await startRedis(appendfsync);
  const client = redis.client();
  let started = performance.now();
  await publishWindowed(PEER_N, WINDOW, (i) => client.xadd('bench:orders', '*', 'data', encoded(i)));
  const publish = rate(PEER_N, performance.now() - started);
  let consume;
  let latencies;
  if (withConsume) {
    await client.xgroup('CREATE', 'bench:orders', 'reader', '0');
    started = performance.now();
    let seen = 0;
    while (seen < PEER_N) {
      const reply = await client.xreadgroup('GROUP', 'reader', 'c1', 'COUNT', 2048, 'STREAMS', 'bench:orders', '>');
      const entries = reply?.[0]?.[1] ?? [];
      const ids = [];
      for (const [id, fields] of entries) {
        JSON.parse(fields[1]);
        ids.push(id);
      }
      if (ids.length) await client.xack('bench:orders', 'reader', ...ids);
      seen += ids.length;
    }
    consume = rate(PEER_N, performance.now() - started);

    await client.xgroup('CREATE', 'bench:latency', 'reader', '$', 'MKSTREAM');
    const reader = redis.client();
    latencies = [];
    const reading = (async () => {
      while (latencies.length < 30_000) {
        const reply = await reader.xreadgroup('GROUP', 'reader', 'c1', 'COUNT', 2048, 'BLOCK', 100, 'STREAMS', 'bench:latency', '>');
        const entries = reply?.[0]?.[1] ?? [];
        const ids = [];
        for (const [id, fields] of entries) {
          latencies.push(performance.now() - JSON.parse(fields[1]).sentAt);
          ids.push(id);
        }
        if (ids.length) await reader.xack('bench:latency', 'reader', ...ids);
      }
    })();
    await sendAtRate(10_000, 3, (i) => client.xadd('bench:latency', '*', 'data', JSON.stringify({ ...payload(i), sentAt: performance.now() })));
    await reading;
    reader.disconnect();
    latencies.sort((a, b) => a - b);
  }
  client.disconnect();
  await redis.stop();
  return { publish, consume, latencies };
}

// ---- recovery of 1 GiB after kill -9 ----
function dirBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath ?? entry.path, entry.name)).size;
  }
  return total;
}

async function recovery(targetBytes) {
  const dir = tmp('recovery');
  const writer = `
    import { LogTransport } from '@hopbus/log';
    const t = new LogTransport({ dir: ${JSON.stringify(dir)}, fsync: 'never' });
    await t.connect();
    const data = Buffer.alloc(1000, 120);
    for (let i = 0; ; i++) {
      const records = [];
      for (let j = 0; j < 1000; j++) records.push({ id: 'r' + i + '-' + j, topic: 'bench.recovery', key: 'k' + (j % 16), headers: {}, data, timestamp: Date.now() });
      await t.publish(records);
      if (i % 20 === 0) process.stdout.write('tick\\n');
    }
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', writer], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => {
    child.stdout.on('data', () => {
      if (dirBytes(dir) >= targetBytes) resolve();
    });
    child.on('exit', resolve);
  });
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('exit', resolve));
  const bytes = dirBytes(dir);
  const results = {};
  for (const verifyOnOpen of ['tail', 'full']) {
    const started = performance.now();
    const t = new LogTransport({ dir, verifyOnOpen });
    await t.connect();
    results[verifyOnOpen] = performance.now() - started;
    await t.close();
  }
  rmSync(dir, { recursive: true, force: true });
  return { bytes, ...results };
}

console.log(`hopbus durable log vs NATS JetStream vs Redis Streams — 100-byte JSON, window ${WINDOW} in flight`);
console.log(machineLine());
console.log(`hopbus: ${fmt(N)} messages; peers: ${fmt(PEER_N)} messages (rates are per second, so they compare)`);

const always = await hopbusPublish('always');
report('publish', 'hopbus log, fsync always (bus.publish)', always.perSecond, 'msg/s');
const interval = await hopbusPublish('interval');
report('publish', 'hopbus log, fsync interval (bus.publish)', interval.perSecond, 'msg/s');
rmSync(interval.dir, { recursive: true, force: true });
const consume = await hopbusConsume(always.dir);
rmSync(always.dir, { recursive: true, force: true });
const latency = await hopbusLatency();

const js = await jetStreamRuns();
const redisAlways = await redisRuns('always', true);
const redisEverysec = await redisRuns('everysec', false);

report('publish', 'NATS JetStream, file storage', js.publish, 'msg/s');
report('publish', 'Redis Streams, appendfsync always', redisAlways.publish, 'msg/s');
report('publish', 'Redis Streams, appendfsync everysec', redisEverysec.publish, 'msg/s');
report('consume', 'hopbus log, decorated handler + ack', consume, 'msg/s');
report('consume', 'NATS JetStream, consume + ack', js.consume, 'msg/s');
report('consume', 'Redis Streams, XREADGROUP + XACK', redisAlways.consume, 'msg/s');
for (const [system, sorted] of [['hopbus log, fsync always', latency], ['NATS JetStream', js.latencies], ['Redis Streams, appendfsync always', redisAlways.latencies]]) {
  report('latency @10k msg/s', system, `${percentile(sorted, 50).toFixed(2)} / ${percentile(sorted, 99).toFixed(2)}`, 'ms p50 / p99');
}
const rec = await recovery(quick ? 256 * 2 ** 20 : 2 ** 30);
report('recovery after kill -9', `${(rec.bytes / 2 ** 30).toFixed(2)} GiB, verifyOnOpen tail`, rec.tail, 'ms');
report('recovery after kill -9', `${(rec.bytes / 2 ** 30).toFixed(2)} GiB, verifyOnOpen full`, rec.full, 'ms');

console.log('\nratios (hopbus ÷ peer):');
console.log(`  durable publish vs JetStream:            ${(always.perSecond / js.publish).toFixed(2)}×  (goal ≥ 10×)`);
console.log(`  durable publish vs Redis (fsync always): ${(always.perSecond / redisAlways.publish).toFixed(2)}×  (goal ≥ 2×)`);
console.log(`  interval publish vs Redis (everysec):    ${(interval.perSecond / redisEverysec.publish).toFixed(2)}×`);
console.log(`  consume vs JetStream:                    ${(consume / js.consume).toFixed(2)}×`);
console.log(`  consume vs Redis:                        ${(consume / redisAlways.consume).toFixed(2)}×`);
console.log('goals: durable publish ≥ 500,000 msg/s; consume ≥ 500,000 msg/s; p99 < 5 ms at 10k msg/s; recovery of 1 GiB < 2 s');
