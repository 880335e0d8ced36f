import { Actor, Subscribe } from '@hopbus/core';
import type { MessageContext } from '@hopbus/core';
import type { RuntimeCase } from '../RuntimeCase.js';
import { waitUntil } from '../waitUntil.js';

interface Step {
  readonly n: number;
}

/**
 * Step 1's handler takes three ack timeouts; steps 2 and 3 wait behind it in the key's mailbox
 * all that time. The runtime keeps all three alive (working()), so the transport delivers none
 * of them again: a redelivery would join the mailbox behind them, before step 4, published last.
 */
export const keepAliveCase: RuntimeCase = {
  id: 'keepAlive',
  title: 'keeps a slow handler’s message and those queued behind it alive past the ack timeout: none is delivered twice',
  async run(rig) {
    const Steps = rig.topic<Step>('slow');
    const slowForMs = 3 * rig.ackTimeoutMs;
    const calls: string[] = [];
    @Actor('slowpoke')
    class Slowpoke {
      @Subscribe(Steps, { ackTimeoutMs: rig.ackTimeoutMs })
      async step(step: Step, ctx: MessageContext): Promise<void> {
        calls.push(`${step.n}@${ctx.deliveryCount}`);
        // The slow handler itself, not a wait for a result: a loaded machine only makes it slower.
        if (step.n === 1) await new Promise((resolve) => setTimeout(resolve, slowForMs));
      }
    }
    const bus = await rig.firstBus([Slowpoke]);
    await bus.start();
    await bus.publishBatch(
      Steps,
      [1, 2, 3].map((n) => ({ payload: { n }, options: { key: 'k' } })),
    );
    await waitUntil('the three steps', () => calls.includes('3@1'));
    await bus.publish(Steps, { n: 4 }, { key: 'k' });
    await waitUntil('the step published last', () => calls.some((call) => call.startsWith('4@')));
    expect(calls).toEqual(['1@1', '2@1', '3@1', '4@1']);
  },
};
