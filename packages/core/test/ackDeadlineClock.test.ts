import { MemoryTransport } from '@hopbus/core';
import { makeRecord } from '@hopbus/testing';

const options = { group: 'g', start: 'earliest', maxInFlight: 10, ackTimeoutMs: 4000 } as const;

describe('ack deadlines', () => {
  // The test moves the clocks itself (Jest's fake timers fake Date, performance.now and the
  // timers), so a loaded machine that runs a timer late cannot make 2.2 s pass as 4.
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('run on the monotonic clock: a step of the wall clock neither expires nor extends them', async () => {
    const transport = new MemoryTransport();
    const first = await transport.subscribe('clock.t', options);
    const second = await transport.subscribe('clock.t', options);
    await transport.publish([makeRecord('clock.t', 1)]);
    const held = first.poll?.();
    expect(held).toBeDefined();
    jest.setSystemTime(Date.now() + 3_600_000); // NTP steps the wall clock an hour ahead; performance.now() does not move
    await jest.advanceTimersByTimeAsync(2200); // two sweeps (every 1 s) and a wall-clock re-read
    expect(second.poll?.()).toBeUndefined(); // not handed out again: 2.2 s of its 4 s passed
    jest.setSystemTime(Date.now() - 3_600_000); // and back
    await jest.advanceTimersByTimeAsync(1700); // 3.9 s in: not yet
    expect(second.poll?.() ?? first.poll?.()).toBeUndefined();
    await jest.advanceTimersByTimeAsync(2100); // 6 s in: the sweep at 5 s found it expired
    const again = second.poll?.() ?? first.poll?.();
    expect(again?.id).toBe(held!.id); // and it does expire once 4 s have really passed
    expect(again?.deliveryCount).toBe(2);
    await transport.close();
  });
});
