import fc from 'fast-check';
import { ArrivalQueue } from '../src/ArrivalQueue.js';

/** The slots a queue still holds, taken ones included: what it costs in memory. */
const slots = (queue: ArrivalQueue<number>): { held: number; taken: number } => {
  const inside = queue as unknown as { items: unknown[]; head: number };
  return { held: inside.items.length, taken: inside.head };
};

/** The memory promise: fewer than 1,024 taken slots are kept, or fewer than the waiting ones. */
const keepsFewTakenSlots = (queue: ArrivalQueue<number>): boolean => {
  const { held, taken } = slots(queue);
  return taken < 1024 || taken < held - taken;
};

describe('ArrivalQueue', () => {
  it('behaves like an array pushed at the back and shifted from the front, across compactions', () => {
    const step = fc.oneof(fc.record({ push: fc.integer({ min: 1, max: 3000 }) }), fc.record({ shift: fc.integer({ min: 1, max: 3000 }) }), fc.constant({ takeAll: true }));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const queue = new ArrivalQueue<number>();
        const model: number[] = [];
        let next = 0;
        for (const s of steps) {
          if ('push' in s) {
            for (let i = 0; i < s.push; i++) {
              queue.push(next);
              model.push(next++);
            }
          } else if ('shift' in s) {
            const taken: (number | undefined)[] = [];
            const expected: (number | undefined)[] = [];
            for (let i = 0; i < s.shift; i++) {
              taken.push(queue.shift());
              expected.push(model.shift());
            }
            expect(taken).toEqual(expected);
          } else {
            expect(queue.takeAll()).toEqual(model.splice(0));
          }
          expect(queue.length).toBe(model.length);
          expect(keepsFewTakenSlots(queue)).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('drops the taken slots at the first shift that makes them 1,024 and half of all, not before', () => {
    const queue = new ArrivalQueue<number>();
    for (let n = 0; n < 2048; n++) queue.push(n);
    for (let n = 0; n < 1023; n++) queue.shift();
    expect(slots(queue)).toEqual({ held: 2048, taken: 1023 });
    expect(queue.shift()).toBe(1023);
    expect(slots(queue)).toEqual({ held: 1024, taken: 0 });
    // Not half of all yet: kept.
    for (let n = 0; n < 4096; n++) queue.push(n);
    for (let n = 0; n < 2000; n++) queue.shift();
    expect(slots(queue)).toEqual({ held: 5120, taken: 2000 });
    expect(queue.length).toBe(3120);
  });

  it('starts again from nothing once every item is taken, and gives undefined when empty', () => {
    const queue = new ArrivalQueue<number>();
    expect(queue.shift()).toBeUndefined();
    for (let n = 0; n < 10; n++) queue.push(n);
    for (let n = 0; n < 10; n++) expect(queue.shift()).toBe(n);
    expect(slots(queue)).toEqual({ held: 0, taken: 0 });
    expect(queue.shift()).toBeUndefined();
    expect(slots(queue)).toEqual({ held: 0, taken: 0 });
    queue.push(7);
    expect(queue.takeAll()).toEqual([7]);
    expect(slots(queue)).toEqual({ held: 0, taken: 0 });
  });

  it('lets go of each item as it is taken', () => {
    const queue = new ArrivalQueue<object>();
    queue.push({});
    queue.push({});
    queue.shift();
    expect((queue as unknown as { items: unknown[] }).items[0]).toBeUndefined();
  });
});
