import { Actor, Subscribe, topic } from '@hopbus/core';
import type { MessageContext } from '@hopbus/core';
import type { RuntimeCase } from '../RuntimeCase.js';
import { waitUntil } from '../waitUntil.js';

interface Job {
  readonly n: number;
}

/**
 * The handler never finishes (as one that hangs, or takes the process down), and each bus stops
 * with it running: the stop hands it back at its timeout. The third bus, with maxDeliveries 2,
 * must dead-letter it before the handler runs a third time.
 */
export const maxDeliveriesAcrossStopsCase: RuntimeCase = {
  id: 'maxDeliveriesAcrossStops',
  title: 'dead-letters with code max_deliveries a message whose handler never finished in maxDeliveries buses that stopped with it',
  async run(rig) {
    const Jobs = rig.topic<Job>('hanging');
    const counts: number[] = [];
    const dead: Readonly<Record<string, string>>[] = [];
    @Actor('hanging')
    class Hanging {
      @Subscribe(Jobs, { maxDeliveries: 2, ackTimeoutMs: rig.ackTimeoutMs })
      work(_job: Job, ctx: MessageContext): Promise<void> {
        counts.push(ctx.deliveryCount);
        return new Promise(() => undefined);
      }
    }
    @Actor('hanging-dlq')
    class Undertaker {
      @Subscribe(topic<Job>(Jobs.deadLetter), { ackTimeoutMs: rig.ackTimeoutMs })
      bury(_job: Job, ctx: MessageContext): void {
        dead.push(ctx.headers);
      }
    }
    const first = await rig.firstBus([Hanging, Undertaker]);
    await first.start();
    await first.publish(Jobs, { n: 1 });
    await waitUntil('the first delivery', () => counts.length === 1);
    await first.stop({ timeoutMs: 20 });

    const second = await rig.laterBus([Hanging, Undertaker]);
    await second.start();
    await waitUntil('the second delivery', () => counts.length === 2);
    expect(counts).toEqual([1, 2]);
    await second.stop({ timeoutMs: 20 });

    const third = await rig.laterBus([Hanging, Undertaker]);
    await third.start();
    await waitUntil('the dead letter (or a third handler call)', () => dead.length > 0 || counts.length > 2);
    expect(counts).toEqual([1, 2]);
    expect(dead[0]).toMatchObject({ 'hopbus-error-code': 'max_deliveries', 'hopbus-original-topic': Jobs.name, 'hopbus-original-group': 'hanging' });
  },
};
