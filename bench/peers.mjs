// The peers the log is measured against, driven from Node with their official clients and the
// same method as hopbus: N single-message publishes with a window in flight, a consumer that
// acks each message, and a fixed-rate stream for latency.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Runs `publishOne(i)` N times with at most `window` in flight. */
export async function publishWindowed(total, window, publishOne) {
  let next = 0;
  const lanes = Array.from({ length: window }, async () => {
    while (next < total) await publishOne(next++);
  });
  await Promise.all(lanes);
}

/**
 * Runs `one(i)` N times the way a producer keeping a window of promises does: at most `window`
 * in flight, each new one issued only after awaiting the oldest (not `window` independent lanes).
 */
export async function windowed(total, window, one) {
  const inFlight = [];
  let oldest = 0;
  for (let i = 0; i < total; i++) {
    if (inFlight.length - oldest >= window) await inFlight[oldest++];
    inFlight.push(one(i));
  }
  for (; oldest < inFlight.length; oldest++) await inFlight[oldest];
}

/** A private redis-server with AOF on a free loopback port. */
export async function startRedis(appendfsync) {
  const dir = mkdtempSync(join(tmpdir(), 'hopbus-bench-redis-'));
  const port = await freePort();
  const child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--appendonly', 'yes', '--appendfsync', appendfsync, '--save', ''], { stdio: 'ignore' });
  const { default: Redis } = await import('ioredis');
  for (let i = 0; i < 100; i++) {
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch {
      probe.disconnect();
      await sleep(50);
    }
  }
  return {
    port,
    client: () => new Redis({ port, host: '127.0.0.1', enableAutoPipelining: true }),
    stop: async () => {
      child.kill('SIGKILL');
      await sleep(50);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Sends `rate` messages per second for `seconds`, in ticks of 10 ms; returns when all are sent. */
export async function sendAtRate(rate, seconds, sendOne) {
  const perTick = rate / 100;
  const started = performance.now();
  let sent = 0;
  const total = rate * seconds;
  const pending = [];
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + perTick);
    while (sent < due) pending.push(sendOne(sent++));
    await sleep(10);
  }
  await Promise.all(pending);
}
