import { Actor, Subscribe, topic } from '@hopbus/core';
import type { MessageContext } from '@hopbus/core';
import { Receiver } from '../../receive.js';
import type { RuntimeCase } from '../RuntimeCase.js';
import { waitUntil } from '../waitUntil.js';

interface Job {
  readonly n: number;
}

const group = 'flaky-consumers';

/**
 * Two consumers of the group take the message and stop, handing it back (a nack, as a consumer
 * that is shut down or gives up does): the transport counts both deliveries. The bus, third in
 * line with maxDeliveries 2, must dead-letter it without calling its handler.
 */
export const maxDeliveriesFromConsumersCase: RuntimeCase = {
  id: 'maxDeliveriesFromConsumers',
  title: 'dead-letters with code max_deliveries a message that consumers of its group took and handed back maxDeliveries times',
  ruledOut: (features) => (features.consumerGroups ? undefined : 'the transport has no consumer groups'),
  async run(rig) {
    const Jobs = rig.topic<Job>('handedback');
    const calls: number[] = [];
    const dead: Readonly<Record<string, string>>[] = [];
    @Actor(group)
    class Worker {
      @Subscribe(Jobs, { maxDeliveries: 2, ackTimeoutMs: rig.ackTimeoutMs })
      work(_job: Job, ctx: MessageContext): void {
        calls.push(ctx.deliveryCount);
      }
    }
    @Actor(`${group}-dlq`)
    class Undertaker {
      @Subscribe(topic<Job>(Jobs.deadLetter), { ackTimeoutMs: rig.ackTimeoutMs })
      bury(_job: Job, ctx: MessageContext): void {
        dead.push(ctx.headers);
      }
    }
    const bus = await rig.firstBus([Worker, Undertaker]);
    await bus.publish(Jobs, { n: 1 });
    const options = { group, start: 'earliest', maxInFlight: 1, ackTimeoutMs: rig.ackTimeoutMs } as const;
    for (let consumer = 1; consumer <= 2; consumer++) {
      const receiver = new Receiver(await bus.transport.subscribe(Jobs.name, options));
      const delivery = await receiver.next(20_000);
      expect(delivery?.deliveryCount).toBe(consumer);
      delivery!.nack();
      await receiver.subscription.drain();
    }
    await bus.start();
    await waitUntil('the dead letter (or a handler call)', () => dead.length > 0 || calls.length > 0);
    expect(calls).toEqual([]);
    expect(dead[0]).toMatchObject({ 'hopbus-error-code': 'max_deliveries', 'hopbus-original-topic': Jobs.name, 'hopbus-original-group': group });
  },
};
