// Keyed actor turns on the log (fsync 'always'): each turn changes its key's state and publishes
// one output, and the state, the output and the input's ack commit together. Beside it, in the
// same run: the same handler without state on the same log, and the way Node teams get the same
// guarantee today, one PostgreSQL transaction per message (UPSERT the state, INSERT the outgoing
// message into an outbox table, record the input's offset) against the PostgreSQL on 127.0.0.1:5432.
// Then memory per live actor and the cost of an activation (restoring a key's state).
// Run: npm run build && node --expose-gc bench/actors.mjs [turns=100000] [rounds=3] [pgConnections=32]
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Actor, createBus, Publishes, silentLogger, State, Subscribe, topic } from '@hopbus/core';
import { LogTransport } from '@hopbus/log';
import { fmt, machineLine, rate } from './machine.mjs';
import { requirePeer } from './peers/peerModules.mjs';

const turns = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 3);
const pgConnections = Number(process.argv[4] ?? 32);
const keys = 1000;
const note = 'x'.repeat(48);
const deposit = (n) => ({ account: `acct-${String(n % keys).padStart(4, '0')}`, amount: 1 + (n % 97), note });
let runs = 0;

function decorate(Class, { keyed, stateFields, subscribe, publishes }) {
  for (const field of stateFields) State()(Class.prototype, field);
  Publishes(publishes)(Class.prototype, 'changed');
  Subscribe(subscribe, { concurrency: 256 })(Class.prototype, 'deposit', Object.getOwnPropertyDescriptor(Class.prototype, 'deposit'));
  Actor(`bench-accounts-${++runs}`, keyed ? { keyed: true } : undefined)(Class);
  return Class;
}

/** A log dir holding `count` deposits on `keys` keys, published before the timed part. */
async function logWithDeposits(count, keyCount = keys) {
  const dir = mkdtempSync(join(tmpdir(), 'hopbus-bench-actors-'));
  const Deposited = topic(`bench.deposits`);
  const bus = await createBus({ transport: new LogTransport({ dir, fsync: 'always' }), logger: silentLogger, env: {} });
  for (let i = 0; i < count; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 1000); j++) {
      const payload = { ...deposit(j), account: `acct-${String(j % keyCount).padStart(5, '0')}` };
      batch.push({ payload, options: { key: payload.account } });
    }
    await bus.publishBatch(Deposited, batch);
  }
  await bus.stop();
  return { dir, Deposited };
}

/** Starts a bus of `makeService(onTurn)` on `dir`, runs until `count` handler calls ended, stops it (the last commits included). */
async function drive(dir, count, makeService) {
  let seen = 0;
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  const Service = makeService(() => ++seen === count && finish());
  const bus = await createBus({ transport: new LogTransport({ dir, fsync: 'always' }), services: [Service], logger: silentLogger, env: {} });
  const started = performance.now();
  await bus.start();
  await done;
  await bus.stop();
  return { ms: performance.now() - started, bus, Service };
}

async function keyedTurns() {
  const { dir, Deposited } = await logWithDeposits(turns);
  const Changed = topic('bench.balance');
  try {
    const { ms } = await drive(dir, turns, (onTurn) =>
      decorate(
        class {
          balance = 0;
          seq = 0;
          async deposit(e, ctx) {
            this.balance += e.amount;
            this.seq += 1;
            await this.changed.publish({ account: ctx.key, balance: this.balance, seq: this.seq }, { key: ctx.key });
            onTurn();
          }
        },
        { keyed: true, stateFields: ['balance', 'seq'], subscribe: Deposited, publishes: Changed },
      ),
    );
    return rate(turns, ms);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function statelessHandler() {
  const { dir, Deposited } = await logWithDeposits(turns);
  const Changed = topic('bench.balance');
  try {
    const { ms } = await drive(dir, turns, (onTurn) =>
      decorate(
        class {
          balances = new Map();
          async deposit(e, ctx) {
            const current = this.balances.get(ctx.key) ?? { balance: 0, seq: 0 };
            const next = { balance: current.balance + e.amount, seq: current.seq + 1 };
            this.balances.set(ctx.key, next);
            await this.changed.publish({ account: ctx.key, ...next }, { key: ctx.key });
            onTurn();
          }
        },
        { keyed: false, stateFields: [], subscribe: Deposited, publishes: Changed },
      ),
    );
    return rate(turns, ms);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same inputs from the same log, each handled in one PostgreSQL transaction (state UPSERT, outbox INSERT, offset). */
async function postgresTransactions(pool) {
  const count = Math.max(1000, Math.round(turns / 10));
  const { dir, Deposited } = await logWithDeposits(count);
  await pool.query('DROP TABLE IF EXISTS bench_accounts, bench_outbox, bench_offsets');
  await pool.query('CREATE TABLE bench_accounts (key text PRIMARY KEY, balance bigint NOT NULL, seq bigint NOT NULL)');
  await pool.query('CREATE TABLE bench_outbox (id bigserial PRIMARY KEY, topic text NOT NULL, key text NOT NULL, payload jsonb NOT NULL)');
  await pool.query('CREATE TABLE bench_offsets (stream text PRIMARY KEY, "offset" bigint NOT NULL)');
  try {
    const { ms } = await drive(dir, count, (onTurn) =>
      decorate(
        class {
          async deposit(e, ctx) {
            const client = await pool.connect();
            try {
              await client.query('BEGIN');
              const { rows } = await client.query(
                'INSERT INTO bench_accounts (key, balance, seq) VALUES ($1, $2, 1) ON CONFLICT (key) DO UPDATE SET balance = bench_accounts.balance + EXCLUDED.balance, seq = bench_accounts.seq + 1 RETURNING balance, seq',
                [ctx.key, e.amount],
              );
              await client.query('INSERT INTO bench_outbox (topic, key, payload) VALUES ($1, $2, $3)', ['bench.balance', ctx.key, JSON.stringify({ account: ctx.key, balance: Number(rows[0].balance), seq: Number(rows[0].seq) })]);
              await client.query(
                'INSERT INTO bench_offsets (stream, "offset") VALUES ($1, $2) ON CONFLICT (stream) DO UPDATE SET "offset" = GREATEST(bench_offsets."offset", EXCLUDED."offset")',
                [`${ctx.topic}/${ctx.partition}/${ctx.key}`, ctx.offset],
              );
              await client.query('COMMIT');
            } catch (error) {
              await client.query('ROLLBACK');
              throw error;
            } finally {
              client.release();
            }
            onTurn();
          }
        },
        { keyed: false, stateFields: [], subscribe: Deposited, publishes: topic('bench.unused') },
      ),
    );
    return rate(count, ms);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Activations: one turn for each of `count` keys on a fresh bus (each makes its instance and reads its state), then one more for each (all live). */
async function activations(count) {
  const { dir, Deposited } = await logWithDeposits(2 * count, count);
  const Changed = topic('bench.balance');
  try {
    let seen = 0;
    const marks = [];
    const Service = decorate(
      class {
        balance = 0;
        seq = 0;
        async deposit(e, ctx) {
          this.balance += e.amount;
          this.seq += 1;
          await this.changed.publish({ account: ctx.key, balance: this.balance, seq: this.seq }, { key: ctx.key });
          if (++seen === count || seen === 2 * count) marks.push(performance.now());
        }
      },
      { keyed: true, stateFields: ['balance', 'seq'], subscribe: Deposited, publishes: Changed },
    );
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const bus = await createBus({ transport: new LogTransport({ dir, fsync: 'always' }), services: [Service], logger: silentLogger, env: {} });
    const started = performance.now();
    await bus.start();
    while (marks.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    globalThis.gc?.();
    const heapLive = process.memoryUsage().heapUsed;
    await bus.stop();
    const firstUs = ((marks[0] - started) * 1000) / count;
    const secondUs = ((marks[1] - marks[0]) * 1000) / count;
    return { bytesPerActor: Math.round((heapLive - heapBefore) / count), firstUs, secondUs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

console.log(machineLine());
console.log(`${fmt(turns)} turns over ${fmt(keys)} keys (PostgreSQL: a tenth as many; rates compare), 100-byte JSON inputs, one output per turn, fsync 'always', 256 keys at once; median of ${rounds} rounds, the set-ups taking turns`);
const { Pool } = requirePeer('pg');
const pool = new Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres', max: pgConnections });
let pgError;
try {
  await pool.query('SELECT 1');
} catch (error) {
  pgError = error;
}
const figures = { keyed: [], stateless: [], postgres: [] };
for (let round = 0; round < rounds; round++) {
  figures.keyed.push(await keyedTurns());
  figures.stateless.push(await statelessHandler());
  if (!pgError) figures.postgres.push(await postgresTransactions(pool));
}
await pool.end().catch(() => undefined);
const keyed = median(figures.keyed);
const stateless = median(figures.stateless);
console.log(`keyed actor turns (state + output + ack committed together): ${fmt(keyed)} turns/s  [${figures.keyed.map(fmt).join(', ')}]`);
console.log(`the same handler without state (output + ack, at-least-once): ${fmt(stateless)} msg/s  [${figures.stateless.map(fmt).join(', ')}]  keyed/stateless ${((100 * keyed) / stateless).toFixed(0)} %`);
if (pgError) {
  console.log(`PostgreSQL transaction per message: not run (${pgError.message}; it needs a PostgreSQL on 127.0.0.1:5432, user postgres, trust auth)`);
} else {
  const postgres = median(figures.postgres);
  console.log(`PostgreSQL transaction per message (${pgConnections} connections): ${fmt(postgres)} msg/s  [${figures.postgres.map(fmt).join(', ')}]  keyed/PostgreSQL ×${(keyed / postgres).toFixed(1)}`);
}
const act = await activations(20_000);
console.log(
  `activations (20,000 keys): first turn of a key ${act.firstUs.toFixed(1)} µs (it makes the instance and reads its state), next turn ${act.secondUs.toFixed(1)} µs: ` +
    `an activation costs about ${(act.firstUs - act.secondUs).toFixed(1)} µs; heap per live actor ${fmt(act.bytesPerActor)} bytes`,
);
