import { makeRecord, numberOf, Receiver } from '@hopbus/testing';
import type { Delivery } from '@hopbus/core';
import { transportsPerTest } from './support/transportsPerTest.js';

const group = { group: 'g', start: 'earliest' as const, maxInFlight: 100, ackTimeoutMs: 60_000 };

describe('a log group\'s committed position', () => {
  const logs = transportsPerTest('group-positions');

  it('moves to the first record not settled, whatever order the settles come in, and a later run starts there', async () => {
    const first = logs.transport({ partitions: { 'pos.t': 1 } });
    await first.publish(Array.from({ length: 10 }, (_, n) => makeRecord('pos.t', n)));
    const got = await new Receiver(await first.subscribe('pos.t', group)).take(10);
    const byNumber = new Map<number, Delivery>(got.map((d) => [numberOf(d), d]));
    for (const n of [3, 1, 4, 0, 2, 7]) byNumber.get(n)!.ack();
    byNumber.get(6)!.term(); // settled for good too
    await first.close();

    const second = logs.transport({ partitions: { 'pos.t': 1 } });
    const receiver = new Receiver(await second.subscribe('pos.t', group));
    // 0-4 settled in a row: never again. 5 was not: from there on everything comes again, those
    // settled after the gap too (the position is one offset per partition: at least once).
    expect((await receiver.take(5, { ack: true })).map(numberOf)).toEqual([5, 6, 7, 8, 9]);
    expect(await receiver.next(200)).toBeUndefined();
  });

  it('moves past everything once all is settled: a later run gets nothing again', async () => {
    const first = logs.transport({ partitions: { 'all.t': 2 } });
    await first.publish(Array.from({ length: 20 }, (_, n) => makeRecord('all.t', n, { key: `k${n % 5}` })));
    const got = await new Receiver(await first.subscribe('all.t', group)).take(20);
    for (const d of got.reverse()) d.ack();
    await first.close();
    const second = logs.transport({ partitions: { 'all.t': 2 } });
    await second.publish([makeRecord('all.t', 99)]);
    const receiver = new Receiver(await second.subscribe('all.t', group));
    expect((await receiver.take(1, { ack: true })).map(numberOf)).toEqual([99]);
    expect(await receiver.next(200)).toBeUndefined();
  });
});
