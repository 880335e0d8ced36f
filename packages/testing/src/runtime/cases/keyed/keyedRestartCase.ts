import type { RuntimeCase } from '../../RuntimeCase.js';
import { waitUntil } from '../../waitUntil.js';
import { bank, changeCount, needsActorTurns } from './accounts.js';

export const keyedRestartCase: RuntimeCase = {
  id: 'keyedRestart',
  title: "a keyed actor's state survives the bus: a later bus restores it on the key's next message",
  ruledOut: needsActorTurns,
  async run(rig) {
    const b = bank(rig, 'restart');
    const first = await rig.firstBus([b.Account, b.Auditor], b.container);
    await first.start();
    await first.publish(b.Deposited, { account: 'r1', amount: 4 }, { key: 'r1' });
    await first.publish(b.Deposited, { account: 'r1', amount: 6 }, { key: 'r1' });
    await waitUntil('two balance changes', () => changeCount(b) === 2);
    await first.stop();

    const later = await rig.laterBus([b.Account, b.Auditor], b.container);
    expect(await later.actorState(b.Account, 'r1')).toEqual({ balance: 10, seq: 2 });
    await later.start();
    await later.publish(b.Deposited, { account: 'r1', amount: 1 }, { key: 'r1' });
    await waitUntil('the third balance change', () => changeCount(b) === 3);
    expect(b.changes.get('r1')!.at(-1)).toEqual({ account: 'r1', balance: 11, seq: 3 });
    expect(b.ledger.seen.at(-1)).toBe('r1@1 10');
  },
};
