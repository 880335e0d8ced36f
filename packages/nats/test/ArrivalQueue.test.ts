import fc from 'fast-check';
import { ArrivalQueue } from '../src/ArrivalQueue.js';

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
        }
      }),
      { numRuns: 100 },
    );
  });
});
