import { Actor, Subscribe, topic } from '@hopbus/core';
import type { MessageContext } from '@hopbus/core';
import type { RuntimeCase } from '../../RuntimeCase.js';
import { waitUntil } from '../../waitUntil.js';
import { bank, changeCount, needsActorTurns } from './accounts.js';
import type { Deposit } from './accounts.js';

export const keyedNoKeyCase: RuntimeCase = {
  id: 'keyedNoKey',
  title: 'a message without a key to a keyed actor goes to the dead letters at once, code actor_key_missing',
  ruledOut: needsActorTurns,
  async run(rig) {
    const b = bank(rig, 'nokey');
    const dead: { deposit: Deposit; code: string | undefined }[] = [];
    const DeadDeposits = topic<Deposit>(b.Deposited.deadLetter);
    @Actor('nokey-dead-watch')
    class DeadWatch {
      @Subscribe(DeadDeposits, { ackTimeoutMs: rig.ackTimeoutMs })
      note(deposit: Deposit, ctx: MessageContext): void {
        dead.push({ deposit, code: ctx.headers['hopbus-error-code'] });
      }
    }
    const bus = await rig.firstBus([b.Account, b.Auditor, DeadWatch], b.container);
    await bus.start();
    await bus.publish(b.Deposited, { account: 'n', amount: 1 });
    await bus.publish(b.Deposited, { account: 'n', amount: 2 }, { key: 'n' });
    await waitUntil('the keyless deposit in the dead letters', () => dead.length === 1);
    await waitUntil('the keyed deposit', () => changeCount(b) === 1);
    expect(dead).toEqual([{ deposit: { account: 'n', amount: 1 }, code: 'actor_key_missing' }]);
    expect(b.ledger.seen).toEqual(['n@1 0']);
  },
};
