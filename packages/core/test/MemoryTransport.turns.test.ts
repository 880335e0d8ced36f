import { MemoryTransport } from '@hopbus/core';
import { makeRecord } from '@hopbus/testing';

describe('MemoryTransport lets the event loop turn', () => {
  it('in a loop that awaits one publish after another, timers and subscribers get their turn', async () => {
    const transport = new MemoryTransport();
    const subscription = await transport.subscribe('turns.loop', { group: 'g', start: 'earliest', maxInFlight: 100_000, ackTimeoutMs: 30_000 });
    let turns = 0;
    let counting = true;
    const countTurn = (): void => {
      turns++;
      if (counting) setImmediate(countTurn);
    };
    setImmediate(countTurn);
    let timerFired = false;
    setTimeout(() => (timerFired = true), 0);
    let takenDuringLoop = 0;
    const taking = (async () => {
      for await (const delivery of subscription) {
        delivery.ack();
        if (counting) takenDuringLoop++;
      }
    })();
    let published = 0;
    let timerFiredAt = -1;
    for (let batch = 0; batch < 50; batch++) {
      await transport.publish(Array.from({ length: 100 }, () => makeRecord('turns.loop', published++)));
      if (timerFired && timerFiredAt < 0) timerFiredAt = published;
    }
    counting = false;
    // Without turns, the loop (promises only) would run to its end before any of these.
    expect(turns).toBeGreaterThan(3);
    expect(timerFiredAt).toBeGreaterThan(0);
    expect(timerFiredAt).toBeLessThan(published);
    expect(takenDuringLoop).toBeGreaterThan(0);
    await subscription.drain();
    await taking;
    await transport.close();
  });
});
