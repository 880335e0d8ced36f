import { Actor, Subscribe } from '@hopbus/core';
import type { RuntimeCase } from '../RuntimeCase.js';
import type { Gate } from '../Gate.js';
import { waitUntil } from '../waitUntil.js';

interface Item {
  readonly n: number;
}

const maxInFlight = 4;
const total = 12;

/**
 * Every item has its own key and the handler may run `total` at once, so what the consumer
 * holds is exactly what runs: it must never pass maxInFlight, and it must reach it (the bound is
 * what stops it). Handlers hold until the test lets them go, a window at a time.
 */
export const maxInFlightCase: RuntimeCase = {
  id: 'maxInFlight',
  title: 'holds at most maxInFlight unsettled messages, and takes more only as they are settled',
  async run(rig) {
    const Items = rig.topic<Item>('window');
    let running = 0;
    let peak = 0;
    let done = 0;
    const held: Gate[] = [];
    @Actor('windowed')
    class Windowed {
      @Subscribe(Items, { maxInFlight, concurrency: total, key: (item) => `k${item.n}`, ackTimeoutMs: rig.ackTimeoutMs })
      async take(): Promise<void> {
        running++;
        peak = Math.max(peak, running);
        const gate = rig.gate();
        held.push(gate);
        await gate.passed;
        running--;
        done++;
      }
    }
    const bus = await rig.firstBus([Windowed]);
    // Everything is there before the consumer starts: only the window holds it back.
    await bus.publishBatch(
      Items,
      Array.from({ length: total }, (_, n) => ({ payload: { n } })),
    );
    await bus.start();
    while (done < total) {
      const expected = Math.min(maxInFlight, total - done);
      await waitUntil(`${expected} handlers to run (${done} done)`, () => running >= expected);
      expect(peak).toBeLessThanOrEqual(maxInFlight);
      const before = done;
      for (const gate of held.splice(0)) gate.open();
      await waitUntil(`${expected} handlers to finish`, () => done >= before + expected);
    }
    expect(done).toBe(total);
    expect(peak).toBe(maxInFlight);
  },
};
