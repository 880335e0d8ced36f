import { Actor, Subscribe } from '@hopbus/core';
import type { MessageContext } from '@hopbus/core';
import type { RuntimeCase } from '../RuntimeCase.js';
import { becomes, waitUntil } from '../waitUntil.js';

interface Job {
  readonly key: string;
  readonly n: number;
}

/**
 * a:0 fails on its first two attempts (the second waits, within reason, until key b is done)
 * and succeeds on the third; a:1 and a:2 must wait behind it, b must not.
 */
export const retryInPlaceCase: RuntimeCase = {
  id: 'retryInPlace',
  title: "retries a failing handler in place: its key's later messages wait behind it, other keys go on",
  ruledOut: (features) => (features.orderedPerKey ? undefined : 'the transport does not keep order per key'),
  async run(rig) {
    const Jobs = rig.topic<Job>('retry');
    const events: string[] = [];
    const deliveryCountsOfA0: number[] = [];
    @Actor('retrier')
    class Retrier {
      @Subscribe(Jobs, { concurrency: 2, retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 20 }, ackTimeoutMs: rig.ackTimeoutMs })
      async handle(job: Job, ctx: MessageContext): Promise<void> {
        const name = `${job.key}:${job.n}`;
        events.push(`start ${name}@${ctx.attempt}`);
        if (name === 'a:0') {
          deliveryCountsOfA0.push(ctx.deliveryCount);
          if (ctx.attempt === 2) await becomes(() => events.includes('done b:1'), 10_000);
          if (ctx.attempt < 3) {
            events.push(`fail ${name}@${ctx.attempt}`);
            throw new Error(`attempt ${ctx.attempt} fails`);
          }
        }
        events.push(`done ${name}`);
      }
    }
    const bus = await rig.firstBus([Retrier]);
    await bus.start();
    const jobs: Job[] = [
      { key: 'a', n: 0 },
      { key: 'a', n: 1 },
      { key: 'b', n: 0 },
      { key: 'a', n: 2 },
      { key: 'b', n: 1 },
    ];
    await bus.publishBatch(
      Jobs,
      jobs.map((job) => ({ payload: job, options: { key: job.key } })),
    );
    await waitUntil('every job to be done', () => events.filter((e) => e.startsWith('done')).length === jobs.length);

    expect(events.filter((e) => / a:/.test(e))).toEqual([
      'start a:0@1',
      'fail a:0@1',
      'start a:0@2',
      'fail a:0@2',
      'start a:0@3',
      'done a:0',
      'start a:1@1',
      'done a:1',
      'start a:2@1',
      'done a:2',
    ]);
    expect(events.filter((e) => / b:/.test(e))).toEqual(['start b:0@1', 'done b:0', 'start b:1@1', 'done b:1']);
    // In place: the transport delivered a:0 once; the runtime called the handler three times.
    expect(deliveryCountsOfA0).toEqual([1, 1, 1]);
    // Key b was not held up by a's retries.
    expect(events.indexOf('done b:1')).toBeLessThan(events.indexOf('done a:0'));
  },
};
