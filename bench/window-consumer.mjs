// The consumer side of bench/window.mjs, in a process of its own. Argument: one JSON object
// { kind, total, url, subject, dir, port }. Prints `ready` once subscribed (end-to-end runs
// start publishing then) and `done <ms>` once it has taken `total` messages, `ms` counted from
// the moment it began to consume (for a backlog published beforehand).
import 'reflect-metadata';
import { Actor, createBus, silentLogger, Subscribe, topic } from '@hopbus/core';
import '@hopbus/log';
import '@hopbus/nats';

const { kind, total, url, subject, dir, port, maxInFlight } = JSON.parse(process.argv[2]);
let seen = 0;
let started = 0;
let finished;
const done = new Promise((resolve) => (finished = resolve));
const count = () => {
  if (++seen === total) finished(performance.now() - started);
};

/** A decorated handler, written without decorator syntax (this file is plain JavaScript). */
function counterActor(t) {
  class Counter {
    take() {
      count();
    }
  }
  Subscribe(t, { maxInFlight })(Counter.prototype, 'take', Object.getOwnPropertyDescriptor(Counter.prototype, 'take'));
  Actor('bench-counter')(Counter);
  return Counter;
}

async function hopbus(transport, durable) {
  const bus = await createBus({ transport, services: [counterActor(topic(subject, { durable }))], logger: silentLogger, env: {} });
  started = performance.now();
  await bus.start();
  return () => bus.stop();
}

async function rawCore() {
  const { connect } = await import('@nats-io/transport-node');
  const nc = await connect({ servers: url });
  nc.subscribe(subject, { queue: 'bench-counter', callback: count });
  await nc.flush();
  started = performance.now();
  return () => nc.drain();
}

async function rawJetStream() {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstream, jetstreamManager, AckPolicy } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: url });
  const stream = subject.replaceAll('.', '_');
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add(stream, { durable_name: 'bench-counter', ack_policy: AckPolicy.Explicit, max_ack_pending: maxInFlight });
  const consumer = await jetstream(nc).consumers.get(stream, 'bench-counter');
  started = performance.now();
  const messages = await consumer.consume({ max_messages: maxInFlight });
  void (async () => {
    for await (const m of messages) {
      m.ack();
      count();
    }
  })();
  return async () => {
    await messages.close();
    await nc.drain();
  };
}

async function redisStreams() {
  const { default: Redis } = await import('ioredis');
  const redis = new Redis({ port, host: '127.0.0.1', enableAutoPipelining: true });
  await redis.xgroup('CREATE', subject, 'bench-counter', '0', 'MKSTREAM').catch(() => undefined);
  started = performance.now();
  let stopping = false;
  let lastAck = Promise.resolve();
  const reading = (async () => {
    while (!stopping && seen < total) {
      const answer = await redis.xreadgroup('GROUP', 'bench-counter', 'c1', 'COUNT', maxInFlight, 'BLOCK', 1000, 'STREAMS', subject, '>');
      for (const [, entries] of answer ?? []) {
        for (const [id] of entries) {
          lastAck = redis.xack(subject, 'bench-counter', id);
          count();
        }
      }
    }
  })();
  return async () => {
    stopping = true;
    await reading;
    await lastAck; // acks are pipelined in order: the last one answered means all were
    await redis.quit();
  };
}

const consumers = {
  'hopbus-nats-core': () => hopbus(url, false),
  'hopbus-jetstream': () => hopbus(url, true),
  'hopbus-log': () => hopbus(`log:${dir}`, true),
  'raw-nats-core': rawCore,
  'raw-jetstream': rawJetStream,
  'redis-streams': redisStreams,
};
const stop = await consumers[kind]();
console.log('ready');
const cpu = process.cpuUsage();
const ms = await done;
const { user, system } = process.cpuUsage(cpu);
await stop();
console.log(`done ${ms} ${(user + system) / 1000}`);
