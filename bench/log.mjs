// The durable log against its peers, same machine, same run, same method, 100-byte JSON.
// Run: npm run build && node bench/log.mjs [--quick]
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
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
const ROUNDS = quick ? 1 : 3;
const LATENCY_SECONDS = quick ? 2 : 3;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
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
async function hopbusPublish(fsync, count) {
  const dir = tmp(`pub-${fsync}`);
  const t = topic('bench.orders');
  const bus = await createBus({ transport: new LogTransport({ dir, fsync }), logger: silentLogger, env: {} });
  await bus.transport.connect();
  const started = performance.now();
  await publishWindowed(count, WINDOW, (i) => bus.publish(t, payload(i)));
  const ms = performance.now() - started;
  await bus.stop();
  return { dir, perSecond: rate(count, ms) };
}

/** One publish round on a fresh log; the folder goes unless `keep`. */
async function hopbusPublishRound(fsync, count, keep = false) {
  const run = await hopbusPublish(fsync, count);
  if (!keep) rmSync(run.dir, { recursive: true, force: true });
  return run;
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

async function hopbusLatency(round) {
  const dir = tmp('lat');
  const t = topic('bench.latency');
  const latencies = [];
  const Sink = handlerService(`bench-latency-${round}`, t, (p) => latencies.push(performance.now() - p.sentAt));
  const bus = await createBus({ transport: new LogTransport({ dir, fsync: 'always' }), services: [Sink], logger: silentLogger, env: {} });
  await bus.start();
  await sendAtRate(10_000, LATENCY_SECONDS, (i) => bus.publish(t, { ...payload(i), sentAt: performance.now() }));
  while (latencies.length < 10_000 * LATENCY_SECONDS) await new Promise((r) => setTimeout(r, 10));
  await bus.stop();
  rmSync(dir, { recursive: true, force: true });
  return latencies.sort((a, b) => a - b);
}

// ---- NATS JetStream: one private server for every round ----
async function startJetStream() {
  const server = await NatsServer.start();
  const nc = await connect({ servers: server.url });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  await jsm.streams.add({ name: 'BENCH', subjects: ['bench.>'], storage: StorageType.File });
  return {
    /** Publishes `count` to `subject` (bench.orders is the one consumed later). */
    async publish(count, subject = 'bench.orders') {
      const started = performance.now();
      await publishWindowed(count, WINDOW, (i) => js.publish(subject, encoded(i)));
      return rate(count, performance.now() - started);
    },
    async consume() {
      await jsm.consumers.add('BENCH', { durable_name: 'reader', ack_policy: AckPolicy.Explicit, filter_subject: 'bench.orders', max_ack_pending: 2048 });
      const consumer = await js.consumers.get('BENCH', 'reader');
      const started = performance.now();
      const messages = await consumer.consume({ max_messages: 2048 });
      let seen = 0;
      for await (const m of messages) {
        JSON.parse(m.string());
        m.ack();
        if (++seen === PEER_N) break;
      }
      return rate(PEER_N, performance.now() - started);
    },
    async latency(round) {
      const subject = `bench.latency.r${round}`;
      await jsm.consumers.add('BENCH', { durable_name: `latency-${round}`, ack_policy: AckPolicy.Explicit, filter_subject: subject, max_ack_pending: 2048 });
      const latencyConsumer = await js.consumers.get('BENCH', `latency-${round}`);
      const latencies = [];
      const stream = await latencyConsumer.consume({ max_messages: 2048 });
      const reading = (async () => {
        for await (const m of stream) {
          latencies.push(performance.now() - JSON.parse(m.string()).sentAt);
          m.ack();
          if (latencies.length === 10_000 * LATENCY_SECONDS) break;
        }
      })();
      await sendAtRate(10_000, LATENCY_SECONDS, (i) => js.publish(subject, Buffer.from(JSON.stringify({ ...payload(i), sentAt: performance.now() }))));
      await reading;
      return latencies.sort((a, b) => a - b);
    },
    async stop() {
      await nc.drain();
      await server.dispose();
    },
  };
}

// ---- Redis Streams: one private server per fsync policy, for every round ----
async function startRedisStreams(appendfsync) {
  const redis = await startRedis(appendfsync);
  const client = redis.client();
  return {
    async publish(count, stream = 'bench:orders') {
      const started = performance.now();
      await publishWindowed(count, WINDOW, (i) => client.xadd(stream, '*', 'data', encoded(i)));
      return rate(count, performance.now() - started);
    },
    async consume() {
      await client.xgroup('CREATE', 'bench:orders', 'reader', '0');
      const started = performance.now();
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
      return rate(PEER_N, performance.now() - started);
    },
    async latency(round) {
      const stream = `bench:latency:r${round}`;
      await client.xgroup('CREATE', stream, 'reader', '$', 'MKSTREAM');
      const reader = redis.client();
      const latencies = [];
      const reading = (async () => {
        while (latencies.length < 10_000 * LATENCY_SECONDS) {
          const reply = await reader.xreadgroup('GROUP', 'reader', 'c1', 'COUNT', 2048, 'BLOCK', 100, 'STREAMS', stream, '>');
          const entries = reply?.[0]?.[1] ?? [];
          const ids = [];
          for (const [id, fields] of entries) {
            latencies.push(performance.now() - JSON.parse(fields[1]).sentAt);
            ids.push(id);
          }
          if (ids.length) await reader.xack(stream, 'reader', ...ids);
        }
      })();
      await sendAtRate(10_000, LATENCY_SECONDS, (i) => client.xadd(stream, '*', 'data', JSON.stringify({ ...payload(i), sentAt: performance.now() })));
      await reading;
      reader.disconnect();
      return latencies.sort((a, b) => a - b);
    },
    async stop() {
      client.disconnect();
      await redis.stop();
    },
  };
}

console.log(`hopbus durable log vs NATS JetStream vs Redis Streams — 100-byte JSON, window ${WINDOW} in flight`);
console.log(machineLine());
console.log(`hopbus: ${fmt(N)} messages; peers: ${fmt(PEER_N)} messages (rates are per second, so they compare)`);
console.log(`each publish and latency figure is the median of ${ROUNDS} round${ROUNDS === 1 ? "" : "s"}, the systems taking turns round by round after one untimed warm-up each`);

const js = await startJetStream();
const redisAlways = await startRedisStreams('always');
const redisEverysec = await startRedisStreams('everysec');

// Warm-up: the JIT, the connections and the servers' files, for every system alike.
await hopbusPublishRound('always', N / 4);
await hopbusPublishRound('interval', N / 4);
await js.publish(PEER_N / 4, 'bench.warmup');
await redisAlways.publish(PEER_N / 4, 'bench:warmup');
await redisEverysec.publish(PEER_N / 4, 'bench:warmup');

const publishRuns = { always: [], interval: [], js: [], redisAlways: [], redisEverysec: [] };
let consumeDir;
for (let round = 0; round < ROUNDS; round++) {
  const last = round === ROUNDS - 1;
  const always = await hopbusPublishRound('always', N, last);
  if (last) consumeDir = always.dir;
  publishRuns.always.push(always.perSecond);
  publishRuns.interval.push((await hopbusPublishRound('interval', N)).perSecond);
  publishRuns.js.push(await js.publish(PEER_N));
  publishRuns.redisAlways.push(await redisAlways.publish(PEER_N));
  publishRuns.redisEverysec.push(await redisEverysec.publish(PEER_N));
}
const publish = Object.fromEntries(Object.entries(publishRuns).map(([system, runs]) => [system, median(runs)]));
const spread = (runs) => `rounds ${runs.map((r) => fmt(r)).join(' / ')}`;

const consume = await hopbusConsume(consumeDir);
rmSync(consumeDir, { recursive: true, force: true });
const jsConsume = await js.consume();
const redisConsume = await redisAlways.consume();

const latencyRuns = { hopbus: [], js: [], redis: [] };
for (let round = 0; round < ROUNDS; round++) {
  latencyRuns.hopbus.push(await hopbusLatency(round));
  latencyRuns.js.push(await js.latency(round));
  latencyRuns.redis.push(await redisAlways.latency(round));
}
await js.stop();
await redisAlways.stop();
await redisEverysec.stop();

report('publish', 'hopbus log, fsync always (bus.publish)', publish.always, 'msg/s', spread(publishRuns.always));
report('publish', 'hopbus log, fsync interval (bus.publish)', publish.interval, 'msg/s', spread(publishRuns.interval));
report('publish', 'NATS JetStream, file storage', publish.js, 'msg/s', spread(publishRuns.js));
report('publish', 'Redis Streams, appendfsync always', publish.redisAlways, 'msg/s', spread(publishRuns.redisAlways));
report('publish', 'Redis Streams, appendfsync everysec', publish.redisEverysec, 'msg/s', spread(publishRuns.redisEverysec));
report('consume', 'hopbus log, decorated handler + ack', consume, 'msg/s');
report('consume', 'NATS JetStream, consume + ack', jsConsume, 'msg/s');
report('consume', 'Redis Streams, XREADGROUP + XACK', redisConsume, 'msg/s');
const latencyP99 = {};
for (const [name, system] of [['hopbus', 'hopbus log, fsync always'], ['js', 'NATS JetStream'], ['redis', 'Redis Streams, appendfsync always']]) {
  const p50 = median(latencyRuns[name].map((sorted) => percentile(sorted, 50)));
  latencyP99[name] = median(latencyRuns[name].map((sorted) => percentile(sorted, 99)));
  const perRound = latencyRuns[name].map((sorted) => percentile(sorted, 99).toFixed(2)).join(' / ');
  report('latency @10k msg/s', system, `${p50.toFixed(2)} / ${latencyP99[name].toFixed(2)}`, 'ms p50 / p99', `p99 of rounds ${perRound}`);
}

const roundRatios = (ours, theirs) => median(ours.map((value, i) => value / theirs[i]));
console.log('\nratios (hopbus ÷ peer; publish ratios are the median of the per-round ratios):');
console.log(`  durable publish vs JetStream:            ${roundRatios(publishRuns.always, publishRuns.js).toFixed(2)}×  (goal ≥ 10×)`);
console.log(`  durable publish vs Redis (fsync always): ${roundRatios(publishRuns.always, publishRuns.redisAlways).toFixed(2)}×  (goal ≥ 2×)`);
console.log(`  interval publish vs Redis (everysec):    ${roundRatios(publishRuns.interval, publishRuns.redisEverysec).toFixed(2)}×`);
console.log(`  consume vs JetStream:                    ${(consume / jsConsume).toFixed(2)}×`);
console.log(`  consume vs Redis:                        ${(consume / redisConsume).toFixed(2)}×`);
const verdict = (met) => (met ? 'met' : 'NOT met');
console.log(`goals: durable publish ≥ 500,000 msg/s: ${verdict(publish.always >= 500_000)}; ≥ 10× JetStream: ${verdict(roundRatios(publishRuns.always, publishRuns.js) >= 10)}; ≥ 2× Redis: ${verdict(roundRatios(publishRuns.always, publishRuns.redisAlways) >= 2)}`);
console.log(`       consume ≥ 500,000 msg/s: ${verdict(consume >= 500_000)}; p99 < 5 ms at 10k msg/s: ${verdict(latencyP99.hopbus < 5)} (recovery: node bench/recovery.mjs)`);
