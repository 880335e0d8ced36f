import { MemoryTransport } from '@hopbus/core';
import { makeRecord } from '@hopbus/testing';

const options = { group: 'g', start: 'earliest', maxInFlight: 10, ackTimeoutMs: 4000 } as const;

describe('ack deadlines', () => {
  it('run on the monotonic clock: a step of the wall clock neither expires nor extends them', async () => {
    const transport = new MemoryTransport();
    const first = await transport.subscribe('clock.t', options);
    const second = await transport.subscribe('clock.t', options);
    await transport.publish([makeRecord('clock.t', 1)]);
    const held = first.poll?.();
    expect(held).toBeDefined();
    const realNow = Date.now.bind(Date);
    const step = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 3_600_000); // NTP steps an hour ahead
    try {
      await new Promise((resolve) => setTimeout(resolve, 2200)); // two sweeps (every 1 s) and a wall-clock re-read
      expect(second.poll?.()).toBeUndefined(); // not handed out again: 2.2 s of its 4 s passed
    } finally {
      step.mockRestore();
    }
    await new Promise((resolve) => setTimeout(resolve, 3800)); // 6 s in: the sweep at 5 s found it expired
    const again = second.poll?.() ?? first.poll?.();
    expect(again?.id).toBe(held!.id); // and it does expire once 4 s have really passed
    expect(again?.deliveryCount).toBe(2);
    await transport.close();
  }, 15_000);
});
