import type { RuntimeCase } from '../../RuntimeCase.js';
import { waitUntil } from '../../waitUntil.js';
import { bank, changeCount, needsActorTurns } from './accounts.js';

export const keyedTurnsCase: RuntimeCase = {
  id: 'keyedTurns',
  title: 'a keyed actor has one instance per key, made through the container, with its own state; bus.actorState() reads what its turns committed',
  ruledOut: needsActorTurns,
  async run(rig) {
    const b = bank(rig, 'turns');
    const bus = await rig.firstBus([b.Account, b.Auditor], b.container);
    await bus.start();
    const madeAtStart = b.ledger.made; // start() makes two instances to check the container gives each key its own
    for (const [account, amount] of [['a1', 5], ['a2', 7], ['a1', 3], ['a1', 2], ['a2', 1]] as const) {
      await bus.publish(b.Deposited, { account, amount }, { key: account });
    }
    await waitUntil('five balance changes', () => changeCount(b) === 5);

    expect(b.ledger.made - madeAtStart).toBe(2);
    expect(b.changes.get('a1')).toEqual([
      { account: 'a1', balance: 5, seq: 1 },
      { account: 'a1', balance: 8, seq: 2 },
      { account: 'a1', balance: 10, seq: 3 },
    ]);
    expect(b.changes.get('a2')).toEqual([
      { account: 'a2', balance: 7, seq: 1 },
      { account: 'a2', balance: 8, seq: 2 },
    ]);
    await waitUntil("a1's state to be committed", () => b.ledger.seen.length === 5);
    expect(await bus.actorState(b.Account, 'a1')).toEqual({ balance: 10, seq: 3 });
    expect(await bus.actorState(b.Account, 'a2')).toEqual({ balance: 8, seq: 2 });
    expect(await bus.actorState(b.Account, 'nobody')).toBeUndefined();
  },
};
