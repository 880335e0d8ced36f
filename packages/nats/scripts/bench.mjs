// Benchmark: NatsTransport vs the official client doing the same by hand, against a private
// nats-server. Run on the built dist: npx tsc -p packages/testing/tsconfig.json &&
// npx tsc -p packages/nats/tsconfig.json && node packages/nats/scripts/bench.mjs [records]
import { cpus } from 'node:os';
import { NatsServer } from '@hopbus/testing';
import { NatsTransport } from '@hopbus/nats';
import { connect, headers } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, AckPolicy, StorageType } from '@nats-io/jetstream';
import { randomUUID } from 'node:crypto';

const total = Number(process.argv[2] ?? 50_000);
const batch = 1000;
const window = 4096;
const payload = new TextEncoder().encode(JSON.stringify({ orderId: 'o-0000000001', amount: 1234, currency: 'EUR', note: 'x'.repeat(33) }));
if (payload.byteLength !== 100) throw new Error(`payload is ${payload.byteLength} bytes, want 100`);

const record = (topic, n) => ({ id: randomUUID(), topic, key: `k${n % 64}`, headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }, data: payload, timestamp: Date.now() });
// What a consumer needs of each message, read by hand the way NatsTransport reads it.
const read = (m) => { const h = m.headers; const out = {}; for (const [k, v] of h ?? []) out[k] = v[0]; return out; };
const rate = (ms) => Math.round(total / (ms / 1000));
const time = async (fn) => { const t = performance.now(); await fn(); return performance.now() - t; };

async function hopbusJetStream(url, topic) {
  const t = new NatsTransport({ servers: [url], logger: { warn: () => {} } });
  await t.connect();
  await t.publish([record(topic, -1)]); // creates the stream
  const pub = await time(async () => {
    for (let i = 0; i < total; i += batch) await t.publish(Array.from({ length: batch }, (_, j) => record(topic, i + j)));
  });
  const sub = await t.subscribe(topic, { group: 'bench', start: 'earliest', maxInFlight: batch, ackTimeoutMs: 30_000 });
  let seen = 0;
  const con = await time(async () => {
    for await (const d of sub) { d.ack(); if (++seen > total) break; }
  });
  await t.close();
  return { pub, con };
}

async function rawJetStream(url, topic) {
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: topic.replaceAll('.', '_'), subjects: [topic], storage: StorageType.File });
  const js = jetstream(nc);
  await js.publish(topic, payload);
  let inFlight = 0; const waiters = [];
  const pub = await time(async () => {
    for (let i = 0; i < total; i += batch) {
      const acks = [];
      for (let j = 0; j < batch; j++) {
        if (inFlight >= window) await new Promise((r) => waiters.push(r)); else inFlight++;
        const h = headers(); h.set('Nats-Msg-Id', randomUUID()); h.set('Hopbus-Key', `k${j % 64}`); h.set('Hopbus-Timestamp', String(Date.now())); h.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
        acks.push(js.publish(topic, payload, { headers: h }).finally(() => { const w = waiters.shift(); if (w) w(); else inFlight--; }));
      }
      await Promise.all(acks);
    }
  });
  await jsm.consumers.add(topic.replaceAll('.', '_'), { durable_name: 'bench', ack_policy: AckPolicy.Explicit, max_ack_pending: batch });
  const consumer = await js.consumers.get(topic.replaceAll('.', '_'), 'bench');
  let seen = 0;
  const con = await time(async () => {
    const messages = await consumer.consume({ max_messages: batch });
    for await (const m of messages) { read(m); void m.info.deliveryCount; m.ack(); if (++seen > total) { messages.stop(); break; } }
  });
  await nc.drain();
  return { pub, con };
}

async function hopbusFireAndForget(url, topic) {
  const t = new NatsTransport({ servers: [url], logger: { warn: () => {} } });
  await t.connect();
  const sub = await t.subscribe(topic, { group: 'bench', start: 'latest', maxInFlight: batch, ackTimeoutMs: 30_000, durable: false });
  let seen = 0;
  const e2e = await time(async () => {
    const consuming = (async () => { for await (const d of sub) { d.ack(); if (++seen >= total) break; } })();
    for (let i = 0; i < total; i += batch) await t.publish(Array.from({ length: batch }, (_, j) => ({ ...record(topic, i + j), durable: false })));
    await consuming;
  });
  await t.close();
  return e2e;
}

async function rawFireAndForget(url, topic) {
  const pubc = await connect({ servers: url });
  const subc = await connect({ servers: url });
  let seen = 0; let done;
  const finished = new Promise((r) => (done = r));
  subc.subscribe(topic, { queue: 'bench', callback: (_e, m) => { read(m); if (++seen >= total) done(); } });
  await subc.flush();
  const e2e = await time(async () => {
    for (let i = 0; i < total; i += batch) {
      for (let j = 0; j < batch; j++) { const h = headers(); h.set('Nats-Msg-Id', randomUUID()); h.set('Hopbus-Key', `k${j % 64}`); h.set('Hopbus-Timestamp', String(Date.now())); h.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'); pubc.publish(topic, payload, { headers: h }); }
      await Promise.resolve();
    }
    await finished;
  });
  await pubc.drain(); await subc.drain();
  return e2e;
}

const server = await NatsServer.start();
try {
  const cpu = cpus();
  console.log(`machine: ${cpu[0]?.model ?? 'unknown cpu'}, ${cpu.length} cores, node ${process.version}; nats-server at ${server.url}; ${total} records of ${payload.byteLength} bytes, batches of ${batch}`);
  // Alternate the order so neither side always runs on a warmer server.
  const raw = await rawJetStream(server.url, 'bench.raw.js');
  const hop = await hopbusJetStream(server.url, 'bench.hop.js');
  const rawFf = await rawFireAndForget(server.url, 'bench.raw.ff');
  const hopFf = await hopbusFireAndForget(server.url, 'bench.hop.ff');
  const row = (name, h, r) => console.log(`${name.padEnd(32)} hopbus ${String(rate(h)).padStart(8)}/s   raw ${String(rate(r)).padStart(8)}/s   ratio ${(r / h * 100).toFixed(0)} %`);
  row('JetStream publish (PubAck)', hop.pub, raw.pub);
  row('JetStream consume + ack', hop.con, raw.con);
  row('fire-and-forget end to end', hopFf, rawFf);
} finally {
  await server.dispose();
}
