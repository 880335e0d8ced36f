import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Actor, createBus, silentLogger, State, Subscribe, topic } from '@hopbus/core';
import { LogInspector, LogTransport } from '@hopbus/log';
import { ensureBuilt, fixturesDir } from './support/ensureBuilt.js';
import { tempDir } from './support/tempDir.js';

interface Deposit {
  readonly account: string;
  readonly amount: number;
}
interface BalanceChanged {
  readonly account: string;
  readonly balance: number;
  readonly seq: number;
}

const Deposited = topic<Deposit>('crash.deposits');
const deposits = 20_000;
const keys = 100;
const minKills = 10;

/** The child's actor, declared the same way, so that this process can read its committed state. */
@Actor('crash-accounts', { keyed: true })
class Account {
  @State() balance = 0;
  @State() seq = 0;
  @Subscribe(Deposited)
  deposit(): void {}
}

/**
 * Runs the accounts child; calls `onChange` for each change it reports. Once `killAfter`
 * changes arrived (undefined: once `done()`), or 20 s after the last one, SIGKILLs it; resolves
 * to the number of changes it reported.
 */
function runChild(dir: string, onChange: (account: string, seq: number) => void, killAfter: number | undefined, done: () => boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(fixturesDir, 'accountsChild.mjs'), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let seen = 0;
    let killed = false;
    const kill = (): void => {
      if (killed) return;
      killed = true;
      child.kill('SIGKILL');
    };
    // A run that stops making progress (a lost output) must not hang the test: it is killed too.
    let quiet = setTimeout(kill, 20_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [word, account, seq] = line.split(' ');
      if (word !== 'change') return;
      onChange(account!, Number(seq));
      seen++;
      clearTimeout(quiet);
      quiet = setTimeout(kill, 20_000);
      if ((killAfter !== undefined && seen >= killAfter) || done()) kill();
    });
    child.on('exit', (code, signal) => {
      clearTimeout(quiet);
      if (signal === 'SIGKILL') resolve(seen);
      else reject(new Error(`the child exited ${code} ${signal}: ${stderr}`));
    });
  });
}

async function readOutputs(dir: string): Promise<BalanceChanged[]> {
  const inspector = await LogInspector.open(dir, { verifyOnOpen: 'full' });
  try {
    const described = inspector.listTopics().find((t) => t.name === 'crash.balance')!;
    const all: BalanceChanged[] = [];
    for (const p of described.partitions) {
      const records = await inspector.readRecords('crash.balance', { partition: p.partition, limit: Number.MAX_SAFE_INTEGER });
      for (const record of records) all.push(JSON.parse(Buffer.from(record.data).toString('utf8')) as BalanceChanged);
    }
    return all;
  } finally {
    await inspector.close();
  }
}

beforeAll(() => ensureBuilt(), 60_000);

describe('keyed actors on the log, SIGKILLed at random moments', () => {
  it('reflects every deposit exactly once in the balances and in the outputs: seq 1..n per key, no gap, no duplicate', async () => {
    const { dir, remove } = tempDir('keyed-crash');
    try {
      // The deposits, published before the child runs (one process owns a dir at a time).
      const expected = new Map<string, number[]>();
      const publisher = new LogTransport({ dir, fsync: 'always', partitions: 4 });
      const bus = await createBus({ transport: publisher, logger: silentLogger });
      const batch: { payload: Deposit; options: { key: string } }[] = [];
      for (let i = 0; i < deposits; i++) {
        const account = `acct-${(i * 7919) % keys}`;
        const amount = 1 + ((i * 31) % 97);
        const list = expected.get(account) ?? [];
        list.push(amount);
        expected.set(account, list);
        batch.push({ payload: { account, amount }, options: { key: account } });
      }
      for (let at = 0; at < batch.length; at += 1000) await bus.publishBatch(Deposited, batch.slice(at, at + 1000));
      await bus.stop();

      const highest = new Map<string, number>();
      const onChange = (account: string, seq: number): void => {
        highest.set(account, Math.max(highest.get(account) ?? 0, seq));
      };
      // At or past the count: a turn applied twice shows as a seq past it, found below.
      const done = (): boolean => [...expected].every(([account, list]) => (highest.get(account) ?? 0) >= list.length);
      let kills = 0;
      while (!done()) {
        if (kills === 200) throw new Error(`200 runs and the outputs are still short: ${JSON.stringify([...highest].slice(0, 5))}`);
        // Early runs die after a few hundred turns; once enough kills happened, a run may finish.
        const seen = await runChild(dir, onChange, kills < minKills ? 100 + Math.floor(Math.random() * 900) : undefined, done);
        kills++;
        if (seen === 0) throw new Error(`run ${kills} reported no change in 20 s and the outputs are still short`);
      }
      expect(kills).toBeGreaterThanOrEqual(minKills);

      const outputs = await readOutputs(dir);
      expect(outputs).toHaveLength(deposits);
      const wrong: string[] = [];
      for (const [account, amounts] of expected) {
        const mine = outputs.filter((o) => o.account === account);
        let balance = 0;
        amounts.forEach((amount, i) => {
          balance += amount;
          const got = mine[i];
          if (got?.seq !== i + 1 || got.balance !== balance) wrong.push(`${account} #${i + 1}: ${JSON.stringify(got)}, expected seq ${i + 1} balance ${balance}`);
        });
      }
      expect(wrong.slice(0, 10)).toEqual([]);

      const reader = await createBus({ transport: new LogTransport({ dir, fsync: 'always', partitions: 4 }), services: [Account], logger: silentLogger });
      try {
        for (const [account, amounts] of expected) {
          expect(await reader.actorState(Account, account)).toEqual({ balance: amounts.reduce((a, b) => a + b, 0), seq: amounts.length });
        }
      } finally {
        await reader.stop();
      }
    } finally {
      remove();
    }
  }, 300_000);
});
