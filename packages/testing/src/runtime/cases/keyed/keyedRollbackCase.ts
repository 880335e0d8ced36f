import { Actor, HopbusError, Subscribe, topic } from '@hopbus/core';
import type { RuntimeCase } from '../../RuntimeCase.js';
import { waitUntil } from '../../waitUntil.js';
import { bank, changeCount, needsActorTurns } from './accounts.js';
import type { Deposit } from './accounts.js';

export const keyedRollbackCase: RuntimeCase = {
  id: 'keyedRollback',
  title: 'a turn that throws commits nothing: its state changes are rolled back and what it published is never sent; the retry starts from the committed state',
  ruledOut: needsActorTurns,
  async run(rig) {
    const b = bank(rig, 'rollback', {
      retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 5 },
      during: (deposit, ctx) => {
        if (deposit.amount === 13 && ctx.attempt === 1) throw new Error('unlucky once');
        if (deposit.amount === 666) throw new HopbusError('handler', 'refused every time');
      },
    });
    const dead: Deposit[] = [];
    const DeadDeposits = topic<Deposit>(b.Deposited.deadLetter);
    @Actor('rollback-dead-watch')
    class DeadWatch {
      @Subscribe(DeadDeposits, { ackTimeoutMs: rig.ackTimeoutMs })
      note(deposit: Deposit): void {
        dead.push(deposit);
      }
    }
    const bus = await rig.firstBus([b.Account, b.Auditor, DeadWatch], b.container);
    await bus.start();

    await bus.publish(b.Deposited, { account: 'k', amount: 1 }, { key: 'k' });
    await bus.publish(b.Deposited, { account: 'k', amount: 13 }, { key: 'k' });
    await bus.publish(b.Deposited, { account: 'k', amount: 666 }, { key: 'k' });
    await bus.publish(b.Deposited, { account: 'k', amount: 100 }, { key: 'k' });
    await waitUntil('the last deposit to be handled', () => changeCount(b) === 3);
    await waitUntil('the refused deposit in the dead letters', () => dead.length === 1);

    // The failed attempt of 13 saw 1 and the retry saw 1 again; 666 never changed the balance.
    expect(b.ledger.seen).toEqual(['k@1 0', 'k@1 1', 'k@2 1', 'k@1 14', 'k@2 14', 'k@1 14']);
    expect(b.changes.get('k')).toEqual([
      { account: 'k', balance: 1, seq: 1 },
      { account: 'k', balance: 14, seq: 2 },
      { account: 'k', balance: 114, seq: 3 },
    ]);
    expect(dead).toEqual([{ account: 'k', amount: 666 }]);
    expect(await bus.actorState(b.Account, 'k')).toEqual({ balance: 114, seq: 3 });
  },
};
