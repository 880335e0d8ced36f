import { Actor, createBus, Publishes, silentLogger, State, Subscribe, topic } from '@hopbus/core';
import type { MessageContext, Publisher } from '@hopbus/core';
import { LogTransport } from '@hopbus/log';
import { runCli } from './support/runCli.js';
import { tempDir } from './support/tempDir.js';

const Deposited = topic<{ amount: number }>('cli.deposited');
const Changed = topic<{ balance: number }>('cli.balance');

@Actor('cli-accounts', { keyed: true })
class Account {
  @State() balance = 0;
  @Publishes(Changed) private readonly changed!: Publisher<{ balance: number }>;
  @Subscribe(Deposited)
  async deposit(e: { amount: number }, ctx: MessageContext): Promise<void> {
    this.balance += e.amount;
    if (e.amount === 0) ctx.deleteState();
    await this.changed.publish({ balance: this.balance }, { key: ctx.key! });
  }
}

describe('hopbus log actors', () => {
  const { dir, remove } = tempDir('actors');
  beforeAll(async () => {
    const bus = await createBus({ transport: new LogTransport({ dir }), services: [Account], logger: silentLogger });
    await bus.start();
    for (const [key, amount] of [['a1', 5], ['a2', 7], ['a1', 3], ['gone', 1], ['gone', 0]] as const) await bus.publish(Deposited, { amount }, { key });
    const deadline = Date.now() + 10_000;
    while ((await bus.actorState(Account, 'a1'))?.balance !== 8 || (await bus.actorState(Account, 'a2')) === undefined || (await bus.actorState(Account, 'gone')) !== undefined) {
      if (Date.now() > deadline) throw new Error('the turns did not commit');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await bus.stop();
  });
  afterAll(remove);

  it('lists every key with its committed state, its turns and what its last turn published', async () => {
    const result = await runCli(['log', 'actors', dir]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ACTOR\s+KEY\s+TURNS\s+STATE\s+LAST TURN PUBLISHED\s+AT$/);
    expect(lines[1]).toMatch(/^cli-accounts\s+a1\s+2\s+\{"balance":8\}\s+cli\.balance\s+\d{4}-\d\d-\d\dT/);
    expect(lines[2]).toMatch(/^cli-accounts\s+a2\s+1\s+\{"balance":7\}\s+cli\.balance\s/);
    expect(lines[3]).toMatch(/^cli-accounts\s+gone\s+2\s+\(deleted\)\s+cli\.balance\s/);
    expect(lines).toHaveLength(4);
  });

  it('narrows to one key, and says so when there is none', async () => {
    const json = JSON.parse((await runCli(['log', 'actors', dir, 'cli-accounts', '--key', 'a2', '--json'])).stdout) as { key: string; state: unknown; turns: number }[];
    expect(json).toEqual([expect.objectContaining({ actor: 'cli-accounts', key: 'a2', state: { balance: 7 }, turns: 1 })]);
    const none = await runCli(['log', 'actors', dir, 'nobody']);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe(`No key of actor nobody has committed a turn in ${dir}.\n`);
  });
});
