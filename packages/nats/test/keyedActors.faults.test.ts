import { Actor, createBus, Publishes, silentLogger, State, Subscribe, topic } from '@hopbus/core';
import type { MessageContext, Publisher } from '@hopbus/core';
import { NatsServer } from '@hopbus/testing';
import { NatsTransport } from '../src/index.js';

interface Deposit {
  readonly account: string;
  readonly amount: number;
}
interface BalanceChanged {
  readonly account: string;
  readonly balance: number;
  readonly seq: number;
}

const quiet = { warn: () => undefined, info: () => undefined };
const fast = { logger: quiet, reconnectWaitMs: 100, reconnectJitterMs: 100, publishTimeoutMs: 3000 };
const deposits = 5000;
const keys = 100;
const kills = 3;

const Deposited = topic<Deposit>('faults.deposits');
const Changed = topic<BalanceChanged>('faults.balance');
const outputs: BalanceChanged[] = [];

// Retries for as long as an outage lasts, so that no deposit reaches the dead letters.
const patient = { attempts: 1000, initialDelayMs: 50, maxDelayMs: 500 };

@Actor('fault-accounts', { keyed: true })
class Account {
  @State() balance = 0;
  @State() seq = 0;
  @Publishes(Changed) private readonly changed!: Publisher<BalanceChanged>;
  @Subscribe(Deposited, { retry: patient, ackTimeoutMs: 5000 })
  async deposit(e: Deposit, ctx: MessageContext): Promise<void> {
    this.balance += e.amount;
    this.seq += 1;
    await this.changed.publish({ account: ctx.key!, balance: this.balance, seq: this.seq }, { key: ctx.key! });
  }
}

@Actor('fault-tally')
class Tally {
  @Subscribe(Changed, { retry: patient, ackTimeoutMs: 5000 })
  note(change: BalanceChanged): void {
    outputs.push(change);
  }
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('keyed actors on NATS when the server is SIGKILLed and restarted mid-run', () => {
  it('reflects every deposit exactly once in the balances and the outputs: seq 1..n per key, no gap, no duplicate', async () => {
    const server = await NatsServer.start();
    const expected = new Map<string, number[]>();
    const producer = await createBus({ transport: new NatsTransport({ servers: [server.url], ...fast }), logger: silentLogger });
    const bus = await createBus({ transport: new NatsTransport({ servers: [server.url], ...fast }), services: [Account, Tally], logger: silentLogger });
    try {
      const batch: { payload: Deposit; options: { key: string } }[] = [];
      for (let i = 0; i < deposits; i++) {
        const account = `acct-${(i * 7919) % keys}`;
        const amount = 1 + ((i * 31) % 97);
        expected.set(account, [...(expected.get(account) ?? []), amount]);
        batch.push({ payload: { account, amount }, options: { key: account } });
      }
      for (let at = 0; at < batch.length; at += 500) await producer.publishBatch(Deposited, batch.slice(at, at + 500));
      await bus.start();
      for (let k = 1; k <= kills; k++) {
        await until(`${k} × ${deposits / (kills + 1)} outputs`, () => outputs.length >= (k * deposits) / (kills + 1), 60_000);
        await server.kill();
        await new Promise((resolve) => setTimeout(resolve, 300));
        await server.restart();
      }
      // The tally is at-least-once: after a restart it may see an output twice. Count distinct (account, seq).
      const distinct = (): number => new Set(outputs.map((o) => `${o.account} ${o.seq}`)).size;
      await until('every output', () => distinct() >= deposits, 120_000);

      const wrong: string[] = [];
      for (const [account, amounts] of expected) {
        const seen = new Map<number, number>();
        for (const o of outputs) if (o.account === account) seen.set(o.seq, o.balance);
        let balance = 0;
        amounts.forEach((amount, i) => {
          balance += amount;
          if (seen.get(i + 1) !== balance) wrong.push(`${account} seq ${i + 1}: balance ${seen.get(i + 1)}, expected ${balance}`);
        });
        if (seen.size !== amounts.length) wrong.push(`${account}: ${seen.size} distinct outputs for ${amounts.length} deposits`);
        expect(await bus.actorState(Account, account)).toEqual({ balance, seq: amounts.length });
      }
      expect(wrong.slice(0, 10)).toEqual([]);
    } finally {
      await bus.stop({ timeoutMs: 1000 });
      await producer.stop();
      await server.dispose();
    }
  }, 300_000);
});
