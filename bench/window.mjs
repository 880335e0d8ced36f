// The window loop: the way a producer that awaits each publish drives a bus, and the way the
// peers' own benchmarks drive NATS, JetStream and Redis. N single-message publishes, at most W
// promises in flight, each new one issued after awaiting the oldest; consumers run in a second
// process. Every path runs beside its raw client (and NestJS and Moleculer over core NATS) in
// the same run, over one private nats-server and one private redis-server, rounds interleaved;
// the medians and the ratios to the raw client are printed.
// Run: npm run build && node bench/window.mjs [messages=200000] [window=1000] [rounds=3] [path]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBus, silentLogger, topic } from '@hopbus/core';
import '@hopbus/log';
import '@hopbus/nats';
import { NatsServer } from '@hopbus/testing';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { fmt, machineLine, rate } from './machine.mjs';
import { startRedis, windowed } from './peers.mjs';
import { peerEndToEnd } from './peers/available.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const total = Number(process.argv[2] ?? 200_000);
const window = Number(process.argv[3] ?? 1000);
const rounds = Number(process.argv[4] ?? 3);
const only = process.argv[5];
const payload = { orderId: 'o-0000000001', amount: 1234, currency: 'EUR', note: 'x'.repeat(33) };
const bytes = new TextEncoder().encode(JSON.stringify(payload));
if (bytes.byteLength !== 100) throw new Error(`payload is ${bytes.byteLength} bytes, want 100`);
/** The consumers' pull window: the same for hopbus, the raw clients and Redis. */
const maxInFlight = 1000;

let runId = 0;
const fresh = (name) => `${name}.r${++runId}`;

/** Starts bench/window-consumer.mjs; resolves once it is subscribed, with its `done` promise. */
async function startConsumer(config) {
  const child = spawn(process.execPath, [join(here, 'window-consumer.mjs'), JSON.stringify({ total, maxInFlight, ...config })], { stdio: ['ignore', 'pipe', 'inherit'] });
  let onReady;
  let onDone;
  const ready = new Promise((resolve) => (onReady = resolve));
  const done = new Promise((resolve, reject) => {
    onDone = resolve;
    child.on('exit', (code) => (code === 0 ? undefined : reject(new Error(`${config.kind} consumer exited ${code}`))));
  });
  let buffered = '';
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      if (line === 'ready') onReady();
      else if (line.startsWith('done ')) onDone(Number(line.split(' ')[1]));
    }
  });
  await Promise.race([ready, done]);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return { done, exited };
}

/** Publishes with `publishOne` (the window loop) or `afterPublishing` while the consumer of `config` takes them: msg/s end to end. */
async function endToEnd(config, publishOne, afterPublishing = async () => undefined) {
  const consumer = await startConsumer(config);
  const started = performance.now();
  if (publishOne) await windowed(total, window, publishOne);
  await afterPublishing();
  await consumer.done;
  const ms = performance.now() - started;
  await consumer.exited;
  return rate(total, ms);
}

/** Lets the consumer of `config` take a backlog of `total` messages: msg/s as it measured them. */
async function consume(config) {
  const consumer = await startConsumer(config);
  const ms = await consumer.done;
  await consumer.exited;
  return rate(total, ms);
}

async function timed(run) {
  const started = performance.now();
  await run();
  return rate(total, performance.now() - started);
}

/** The raw client with a file-storage stream for `subject`, as hopbus makes one. */
async function rawJetStream(server, subject) {
  const nc = await connect({ servers: server.url });
  await (await jetstreamManager(nc)).streams.add({ name: subject.replaceAll('.', '_'), subjects: [subject], storage: StorageType.File });
  return { nc, js: jetstream(nc) };
}

async function hopbusBus(transport) {
  return createBus({ transport, logger: silentLogger, env: {} });
}

const paths = {
  'nats-core': {
    title: 'NATS core, end to end (fire-and-forget topic, consumer in a second process)',
    goal: (m) =>
      `≥ 70 % of raw: ${verdict(m.hopbus >= 0.7 * m.raw)}` +
      (m.nestjs ? `; ${(m.hopbus / m.nestjs).toFixed(1)}× NestJS (≥ 3×: ${verdict(m.hopbus >= 3 * m.nestjs)})` : '') +
      (m.moleculer ? `; ${(m.hopbus / m.moleculer).toFixed(1)}× Moleculer (≥ 2×: ${verdict(m.hopbus >= 2 * m.moleculer)})` : ''),
    async run(server) {
      const figures = {};
      {
        const subject = fresh('raw.core');
        const nc = await connect({ servers: server.url });
        // The client's publish is synchronous (nothing to await): its own loop, flushed at the end.
        figures.raw = await endToEnd({ kind: 'raw-nats-core', url: server.url, subject }, undefined, async () => {
          for (let i = 0; i < total; i++) nc.publish(subject, bytes);
          await nc.flush();
        });
        await nc.close();
      }
      {
        const t = topic(fresh('hop.core'), { durable: false });
        const bus = await hopbusBus(server.url);
        await bus.publish(t, payload); // connects before the clock starts
        figures.hopbus = await endToEnd({ kind: 'hopbus-nats-core', url: server.url, subject: t.name }, () => bus.publish(t, payload));
        await bus.stop();
      }
      for (const [name, figure] of Object.entries(await peerEndToEnd({ url: server.url, total, window, payload }))) figures[name] = figure;
      return figures;
    },
  },
  'jetstream-publish': {
    title: 'JetStream publish, every PubAck awaited',
    goal: (m) => `≥ 90 % of raw: ${verdict(m.hopbus >= 0.9 * m.raw)}`,
    async run(server) {
      const figures = {};
      {
        const subject = fresh('raw.js');
        const { nc, js } = await rawJetStream(server, subject);
        figures.raw = await timed(() => windowed(total, window, () => js.publish(subject, bytes)));
        await nc.close();
      }
      {
        const t = topic(fresh('hop.js'));
        const bus = await hopbusBus(server.url);
        await bus.publish(t, payload); // creates the stream
        figures.hopbus = await timed(() => windowed(total, window, () => bus.publish(t, payload)));
        await bus.stop();
      }
      return figures;
    },
  },
  'jetstream-consume': {
    title: 'JetStream consume + ack through a handler (a backlog, consumer in a second process)',
    goal: (m) => `≥ 100 % of raw: ${verdict(m.hopbus >= m.raw)}`,
    async run(server) {
      const figures = {};
      {
        const subject = fresh('raw.jsc');
        const { nc, js } = await rawJetStream(server, subject);
        await windowed(total, window, () => js.publish(subject, bytes));
        await nc.close();
        figures.raw = await consume({ kind: 'raw-jetstream', url: server.url, subject });
      }
      {
        const t = topic(fresh('hop.jsc'));
        const bus = await hopbusBus(server.url);
        await windowed(total, window, () => bus.publish(t, payload));
        await bus.stop();
        figures.hopbus = await consume({ kind: 'hopbus-jetstream', url: server.url, subject: t.name });
      }
      return figures;
    },
  },
  log: {
    title: "log, durable publish (fsync: 'always') and consume + ack through a decorated handler (second process)",
    goal: (m) =>
      `publish ≥ 500,000: ${verdict(m.hopbus >= 500_000)} (${(m.hopbus / m['redis streams']).toFixed(1)}× Redis Streams); ` +
      `consume ≥ 500,000: ${verdict(m['hopbus consume'] >= 500_000)} (${(m['hopbus consume'] / m['redis streams consume']).toFixed(1)}× Redis Streams)`,
    async run(server, redis) {
      const figures = {};
      const dir = mkdtempSync(join(tmpdir(), 'hopbus-bench-window-'));
      try {
        const t = topic(fresh('hop.log'));
        const bus = await hopbusBus(`log:${dir}`);
        await bus.publish(t, payload); // opens the log
        figures.hopbus = await timed(() => windowed(total, window, () => bus.publish(t, payload)));
        await bus.stop();
        figures['hopbus consume'] = await consume({ kind: 'hopbus-log', dir, subject: t.name });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      {
        const stream = fresh('redis.stream');
        const client = redis.client();
        const fields = ['data', Buffer.from(bytes)];
        figures['redis streams'] = await timed(() => windowed(total, window, () => client.xadd(stream, '*', ...fields)));
        await client.quit();
        figures['redis streams consume'] = await consume({ kind: 'redis-streams', port: redis.port, subject: stream });
      }
      return figures;
    },
  },
};

const verdict = (met) => (met ? 'met' : 'NOT met');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

console.log(`hopbus window loop — ${fmt(total)} messages of ${bytes.byteLength} bytes JSON, window ${fmt(window)} (await the oldest, then publish the next), median of ${rounds} rounds`);
console.log(`consumers: a second process, pull window ${fmt(maxInFlight)}; hopbus through a decorated handler, concurrency 1; redis-server with appendfsync everysec`);
console.log(machineLine());
const server = await NatsServer.start();
const redis = await startRedis('everysec');
const runs = {};
try {
  for (let round = 0; round < rounds; round++) {
    for (const [name, path] of Object.entries(paths)) {
      if (only && only !== name) continue;
      const figures = await path.run(server, redis);
      for (const [peer, figure] of Object.entries(figures)) ((runs[name] ??= {})[peer] ??= []).push(figure);
    }
  }
} finally {
  await redis.stop();
  await server.stop();
}
for (const [name, path] of Object.entries(paths)) {
  if (!runs[name]) continue;
  console.log(`\n${path.title}`);
  const medians = Object.fromEntries(Object.entries(runs[name]).map(([peer, figures]) => [peer, median(figures)]));
  for (const [peer, figure] of Object.entries(medians)) {
    const ratio = peer !== 'raw' && medians.raw ? `   ${((figure / medians.raw) * 100).toFixed(0)} % of raw` : '';
    console.log(`  ${peer.padEnd(24)} ${fmt(figure).padStart(9)} msg/s${ratio}   (rounds: ${runs[name][peer].map(fmt).join(' / ')})`);
  }
  console.log(`  goal: ${path.goal(medians)}`);
}
