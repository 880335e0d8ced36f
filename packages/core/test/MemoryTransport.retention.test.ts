import { MemoryTransport } from '@hopbus/core';
import type { Delivery, SubscribeOptions, Subscription } from '@hopbus/core';
import { makeRecord, numberOf, Receiver } from '@hopbus/testing';

const options = (group: string, start: 'earliest' | 'latest' = 'earliest'): SubscribeOptions => ({
  group,
  start,
  maxInFlight: 100_000,
  ackTimeoutMs: 60_000,
});

/** Everything the subscription has ready now, through poll(). */
function pollAll(subscription: Subscription): Delivery[] {
  const taken: Delivery[] = [];
  for (let delivery = subscription.poll?.(); delivery; delivery = subscription.poll?.()) taken.push(delivery);
  return taken;
}

async function publishNumbers(transport: MemoryTransport, from: number, count: number): Promise<void> {
  const records = Array.from({ length: count }, (_, i) => makeRecord('retained', from + i));
  for (let i = 0; i < records.length; i += 1000) await transport.publish(records.slice(i, i + 1000));
}

describe('MemoryTransport retention', () => {
  it('keeps at most maxRetained settled records, across many chunks, so a new group starts at the oldest kept', async () => {
    const transport = new MemoryTransport({ maxRetained: 5000 });
    const reader = await transport.subscribe('retained', options('reader'));
    await publishNumbers(transport, 0, 30_000);
    const read = pollAll(reader);
    expect(read.map(numberOf)).toEqual(Array.from({ length: 30_000 }, (_, n) => n));
    for (const delivery of read) delivery.ack();
    await publishNumbers(transport, 30_000, 5000); // the next publishes trim what everyone settled

    const late = await transport.subscribe('retained', options('late'));
    const kept = pollAll(late).map(numberOf);
    expect(kept.length).toBeGreaterThanOrEqual(5000);
    expect(kept.length).toBeLessThan(5000 + 4096 + 1000);
    expect(kept.at(-1)).toBe(34_999);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 35_000 - kept.length + i));
    await transport.close();
  });

  it('never drops a record some group has not settled, however many are published after it', async () => {
    const transport = new MemoryTransport({ maxRetained: 10 });
    const slow = await transport.subscribe('retained', options('slow'));
    await publishNumbers(transport, 0, 20_000);
    const receiver = new Receiver(slow);
    const first = await receiver.take(1);
    expect(first.map(numberOf)).toEqual([0]);
    await publishNumbers(transport, 20_000, 20_000);
    first[0]!.nack(0);
    const again = await receiver.next();
    expect(again && numberOf(again)).toBe(0);
    expect(again?.deliveryCount).toBe(2);
    const rest = pollAll(slow);
    expect(rest.map(numberOf)).toEqual(Array.from({ length: 39_999 }, (_, i) => i + 1));
    // Closing hands all 39,999 back at once: that must stay fast (it was quadratic). Measured in
    // this process's CPU time, which other processes taking the cores do not add to.
    const closing = process.cpuUsage();
    await transport.close();
    const used = process.cpuUsage(closing);
    expect((used.user + used.system) / 1000).toBeLessThan(2000);
  });

  it('poll() hands out nothing beyond the pull window and nothing after drain', async () => {
    const transport = new MemoryTransport();
    const subscription = await transport.subscribe('retained', { ...options('window'), maxInFlight: 3 });
    await publishNumbers(transport, 0, 10);
    const window = pollAll(subscription);
    expect(window.map(numberOf)).toEqual([0, 1, 2]);
    window[0]!.ack();
    expect(pollAll(subscription).map(numberOf)).toEqual([3]);
    const drained = subscription.drain();
    expect(subscription.poll?.()).toBeUndefined();
    for (const delivery of [...window.slice(1)]) delivery.ack();
    await transport.close();
    await drained;
  });
});
