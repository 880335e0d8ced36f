// The consumer half of an end-to-end peer run: a second Node process, started from the peer's own
// module, that subscribes through the framework, says `ready` once the server has its
// subscription, and `done` when it has received every message. The parent times the run from its
// first publish to the `done` it hears over IPC.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { windowed } from '../peers.mjs';

const FLAG = '--consumer';
/** A run fails when the consumer's count has not moved for this long after the last publish. */
const STALL_MS = 10_000;

const TIMED_OUT = Symbol('timed out');

/** `promise`'s value, or TIMED_OUT after `ms`; the timer never outlives the answer. */
async function within(ms, promise) {
  const timer = new AbortController();
  try {
    return await Promise.race([promise, sleep(ms, TIMED_OUT, { signal: timer.signal })]);
  } finally {
    timer.abort();
  }
}

/** True in the child that spawnConsumer(moduleUrl) started. */
export function isConsumerProcess(moduleUrl) {
  return process.argv[1] === fileURLToPath(moduleUrl) && process.argv[2] === FLAG;
}

/**
 * Child side. `subscribe(options, onMessage)` subscribes through the framework, resolves once the
 * server holds the subscription, and returns an async `close()`. Every message handed to
 * onMessage counts; the first one is sent back so the parent can check what arrived.
 */
export async function serveConsumer(subscribe) {
  const options = JSON.parse(process.argv[3]);
  let received = 0;
  let first;
  const onMessage = (data) => {
    if (received === 0) first = data;
    if (++received === options.total) process.send({ type: 'done', first });
  };
  let close;
  try {
    close = await subscribe(options, onMessage);
  } catch (error) {
    console.error('consumer failed to subscribe:', error);
    process.exit(1);
  }
  process.on('message', (message) => {
    if (message.type === 'count') process.send({ type: 'count', received });
    if (message.type === 'stop') {
      close().then(
        () => process.disconnect(),
        (error) => {
          console.error('consumer failed to close:', error);
          process.exit(1);
        },
      );
    }
  });
  // A parent that dies leaves no consumer behind.
  process.once('disconnect', () => process.exit(0));
  process.send({ type: 'ready' });
}

/** Parent side: forks `moduleUrl` as a consumer and resolves once it is subscribed. */
export async function spawnConsumer(moduleUrl, options) {
  const child = fork(fileURLToPath(moduleUrl), [FLAG, JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const waiters = new Map();
  child.on('message', (message) => {
    const at = performance.now();
    const waiter = waiters.get(message.type);
    if (waiter) {
      waiters.delete(message.type);
      waiter({ ...message, at });
    }
  });
  const next = (type) =>
    Promise.race([
      new Promise((resolve) => waiters.set(type, resolve)),
      exited.then(({ code, signal }) => {
        throw new Error(`the ${options.name ?? ''} consumer process exited (code ${code}, signal ${signal}) before it said ${type}: see its output above`);
      }),
    ]);
  await next('ready');
  const done = next('done');
  // Once stop() ends the child, `done` rejects: that is no failure unless someone awaits it.
  done.catch(() => undefined);
  return {
    done,
    async received() {
      const reply = next('count');
      child.send({ type: 'count' });
      return (await reply).received;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        if (child.connected) child.send({ type: 'stop' });
        if ((await within(10_000, exited)) === TIMED_OUT) child.kill('SIGKILL');
      }
      await exited;
    },
  };
}

/**
 * Publishes `total` messages with `publishOne`, a window of `window` awaited oldest first, and
 * returns the rate from the first publish to the consumer's `done`. Fails when the consumer stops
 * receiving short of `total` (core NATS drops what a slow consumer cannot take), or when the first
 * message it received is not `payload`.
 */
export async function timeEndToEnd(consumer, { total, window, payload }, publishOne) {
  const started = performance.now();
  await windowed(total, window, publishOne);
  let last = -1;
  for (;;) {
    const outcome = await within(STALL_MS, consumer.done);
    if (outcome !== TIMED_OUT) {
      if (JSON.stringify(outcome.first) !== JSON.stringify(payload)) {
        throw new Error(`the consumer received ${JSON.stringify(outcome.first)}, not the payload sent: ${JSON.stringify(payload)}`);
      }
      return { msgPerSec: total / ((outcome.at - started) / 1000) };
    }
    const received = await consumer.received();
    if (received === last) throw new Error(`the consumer stalled at ${received} of ${total} messages for ${STALL_MS / 1000} s`);
    last = received;
  }
}
