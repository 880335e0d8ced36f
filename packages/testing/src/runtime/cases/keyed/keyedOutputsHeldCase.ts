import type { RuntimeCase } from '../../RuntimeCase.js';
import { waitUntil } from '../../waitUntil.js';
import { bank, needsActorTurns } from './accounts.js';

export const keyedOutputsHeldCase: RuntimeCase = {
  id: 'keyedOutputsHeld',
  title: "what a turn publishes is held until the turn commits: publish() resolves at once, and no reader sees it before the commit",
  ruledOut: needsActorTurns,
  async run(rig) {
    const gate = rig.gate();
    let publishedInTurn = false;
    const b = bank(rig, 'held', {
      during: async () => {
        publishedInTurn = true; // the turn's publish() has resolved: the output is held
        await gate.passed;
      },
    });
    const bus = await rig.firstBus([b.Account, b.Auditor], b.container);
    await bus.start();
    await bus.publish(b.Deposited, { account: 'h', amount: 9 }, { key: 'h' });
    await waitUntil('the turn to have published', () => publishedInTurn);
    // A marker published after the turn's output, with the same key: had the output been sent
    // when publish() resolved, the auditor would get it first.
    await bus.publish(b.Changed, { account: 'h', balance: -1, seq: 0 }, { key: 'h' });
    await waitUntil('the marker', () => (b.changes.get('h')?.length ?? 0) >= 1);
    expect(b.changes.get('h')).toEqual([{ account: 'h', balance: -1, seq: 0 }]);
    expect(await bus.actorState(b.Account, 'h')).toBeUndefined();

    gate.open();
    await waitUntil("the turn's output", () => b.changes.get('h')!.length === 2);
    expect(b.changes.get('h')![1]).toEqual({ account: 'h', balance: 9, seq: 1 });
    expect(await bus.actorState(b.Account, 'h')).toEqual({ balance: 9, seq: 1 });
  },
};
