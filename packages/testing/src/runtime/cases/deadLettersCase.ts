import { Actor, HopbusError, Subscribe, topic } from '@hopbus/core';
import type { MessageContext } from '@hopbus/core';
import type { RuntimeCase } from '../RuntimeCase.js';
import { waitUntil } from '../waitUntil.js';

interface Parcel {
  readonly n: number;
}

interface DeadLetter {
  readonly payload: Parcel;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
}

export const deadLettersCase: RuntimeCase = {
  id: 'deadLetters',
  title: 'dead-letters a message after its last attempt: payload, key and the failure in headers reach a subscriber of <topic>.dlq',
  async run(rig) {
    const Parcels = rig.topic<Parcel>('dead');
    const DeadParcels = topic<Parcel>(Parcels.deadLetter);
    const failedIds: string[] = [];
    const handled: number[] = [];
    const dead: DeadLetter[] = [];
    @Actor('shipper')
    class Shipper {
      @Subscribe(Parcels, { retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 5 }, ackTimeoutMs: rig.ackTimeoutMs })
      ship(parcel: Parcel, ctx: MessageContext): void {
        if (parcel.n === 7) {
          failedIds.push(ctx.id);
          throw new HopbusError('handler', 'cannot ship to Atlantis');
        }
        handled.push(parcel.n);
      }
    }
    @Actor('undertaker')
    class Undertaker {
      @Subscribe(DeadParcels, { ackTimeoutMs: rig.ackTimeoutMs })
      bury(payload: Parcel, ctx: MessageContext): void {
        dead.push({ payload, key: ctx.key, headers: ctx.headers });
      }
    }
    const bus = await rig.firstBus([Shipper, Undertaker]);
    await bus.start();
    await bus.publish(Parcels, { n: 7 }, { key: 'p1', headers: { 'x-kept': 'yes' } });
    await waitUntil('the dead letter to be consumed', () => dead.length === 1);

    expect(failedIds).toHaveLength(3);
    expect(new Set(failedIds).size).toBe(1);
    const [letter] = dead;
    expect(letter!.payload).toEqual({ n: 7 });
    expect(letter!.key).toBe('p1');
    expect(letter!.headers).toMatchObject({
      'x-kept': 'yes',
      'hopbus-error': 'cannot ship to Atlantis',
      'hopbus-error-code': 'handler',
      'hopbus-original-topic': Parcels.name,
      'hopbus-original-id': failedIds[0],
      'hopbus-original-group': 'shipper',
      'hopbus-attempts': '3',
    });
    expect(Number.isNaN(Date.parse(letter!.headers['hopbus-failed-at'] ?? ''))).toBe(false);

    // Settled for good: the next message of its key is handled, and the dead one was not tried again.
    await bus.publish(Parcels, { n: 8 }, { key: 'p1' });
    await waitUntil('the next message of the key', () => handled.includes(8));
    expect(failedIds).toHaveLength(3);
    expect(dead).toHaveLength(1);
  },
};
