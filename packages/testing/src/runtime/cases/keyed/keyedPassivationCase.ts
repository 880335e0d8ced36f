import type { RuntimeCase } from '../../RuntimeCase.js';
import { waitUntil } from '../../waitUntil.js';
import { bank, changeCount, needsActorTurns } from './accounts.js';

export const keyedPassivationCase: RuntimeCase = {
  id: 'keyedPassivation',
  title: 'an instance idle for idleMs, or beyond maxActive, is dropped from memory and made again with its committed state',
  ruledOut: needsActorTurns,
  async run(rig) {
    // maxActive 1: a message for another key drops the instance of the first.
    const lru = bank(rig, 'lru', { maxActive: 1 });
    const bus = await rig.firstBus([lru.Account, lru.Auditor], lru.container);
    await bus.start();
    const madeAtStart = lru.ledger.made;
    // One at a time: an instance with a turn waiting is never dropped.
    for (const [i, account] of ['x', 'x', 'y', 'x'].entries()) {
      await bus.publish(lru.Deposited, { account, amount: 1 }, { key: account });
      await waitUntil(`change ${i + 1}`, () => changeCount(lru) === i + 1);
    }
    expect(lru.ledger.made - madeAtStart).toBe(3); // x, y, then x again
    expect(lru.changes.get('x')!.map((c) => c.seq)).toEqual([1, 2, 3]);
    expect(lru.ledger.seen).toEqual(['x@1 0', 'x@1 1', 'y@1 0', 'x@1 2']);

    // idleMs: once the instance has been idle long enough, the next message makes it again.
    const idle = bank(rig, 'idle', { idleMs: 20 });
    const idleBus = await rig.firstBus([idle.Account, idle.Auditor], idle.container);
    await idleBus.start();
    const made = idle.ledger.made;
    let sent = 0;
    // Deposits well over idleMs apart (the sweep looks every 10 ms) until one finds the instance
    // gone: the first one makes it, and the pause after it lets it idle.
    while (idle.ledger.made - made < 2) {
      if (sent === 100) throw new Error('the idle instance was never dropped');
      sent++;
      await idleBus.publish(idle.Deposited, { account: 'i', amount: 1 }, { key: 'i' });
      await waitUntil('the deposit', () => changeCount(idle) === sent);
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    await waitUntil('every deposit handled', () => changeCount(idle) === sent);
    const seqs = idle.changes.get('i')!.map((c) => c.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(await idleBus.actorState(idle.Account, 'i')).toEqual({ balance: sent, seq: sent });
  },
};
