import { Actor, createBus, MemoryTransport, silentLogger, Subscribe, topic } from '@hopbus/core';
import type { MessageContext, Transport } from '@hopbus/core';
import { waitFor } from './waitFor.js';

/** `transport` as seen by buses that come and go: stopping a bus does not close it. */
function outlivingBuses(transport: MemoryTransport): Transport {
  return {
    kind: transport.kind,
    features: transport.features,
    connect: () => transport.connect(),
    publish: (records) => transport.publish(records),
    subscribe: (name, options) => transport.subscribe(name, options),
    close: async () => undefined,
  };
}

describe('a message that comes again', () => {
  it('runs alone: nothing more is pulled until it and those before it have settled', async () => {
    const Jobs = topic<{ n: number }>('alone.jobs');
    const memory = new MemoryTransport();
    const transport = outlivingBuses(memory);
    let running = 0;
    let gate: Promise<void> = new Promise(() => undefined); // the first bus never finishes a job
    const runs: { n: number; count: number; alongside: number }[] = [];
    @Actor('alone')
    class Worker {
      @Subscribe(Jobs, { concurrency: 8, key: (job) => `k${job.n}` })
      async handle(job: { n: number }, ctx: MessageContext): Promise<void> {
        running++;
        runs.push({ n: job.n, count: ctx.deliveryCount, alongside: running - 1 });
        try {
          await gate;
        } finally {
          running--;
        }
      }
    }
    const first = await createBus({ transport, services: [Worker], logger: silentLogger });
    await first.start();
    for (let n = 0; n < 20; n++) await first.publish(Jobs, { n }, { key: `k${n}` });
    await waitFor('eight jobs running', () => running === 8);
    await first.stop({ timeoutMs: 1 }); // hands back the queued and the unfinished: each comes again
    expect(runs.map((r) => r.count)).toEqual(runs.map(() => 1));
    expect(Math.max(...runs.map((r) => r.alongside))).toBe(7); // first deliveries run side by side

    runs.length = 0;
    running = 0;
    gate = new Promise((resolve) => setTimeout(resolve, 1));
    const second = await createBus({ transport, services: [Worker], logger: silentLogger });
    await second.start();
    await waitFor('every job handled again', () => new Set(runs.map((r) => r.n)).size === 20);
    await second.stop();
    expect(runs.every((r) => r.count >= 2)).toBe(true);
    expect(runs.map((r) => r.alongside)).toEqual(runs.map(() => 0));
    await memory.close();
  });
});
