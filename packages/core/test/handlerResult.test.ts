import { runInNewContext } from 'node:vm';
import { Actor, createBus, silentLogger, Subscribe, topic } from '@hopbus/core';
import { waitFor } from './waitFor.js';

/** A promise made in another realm: not `instanceof Promise` here. */
function foreignPromise(settle: (resolve: () => void, reject: (error: Error) => void) => void): PromiseLike<void> {
  const made = runInNewContext('new Promise((resolve, reject) => settle(resolve, reject))', { settle }) as PromiseLike<void>;
  expect(made instanceof Promise).toBe(false);
  return made;
}

describe('a handler that answers with a promise of another realm, or a thenable', () => {
  it('is settled when that promise settles: acked after it resolves, retried when it rejects', async () => {
    const Jobs = topic<{ n: number }>('result.jobs');
    const events: string[] = [];
    let release!: () => void;
    @Actor('result')
    class Worker {
      @Subscribe(Jobs, { concurrency: 2, retry: { attempts: 2, initialDelayMs: 1 } })
      handle(job: { n: number }, ctx: { attempt: number }): PromiseLike<void> {
        events.push(`start ${job.n} attempt ${ctx.attempt}`);
        if (job.n === 0) return foreignPromise((resolve) => (release = () => resolve()));
        // A bare thenable that fails on the first attempt.
        return { then: (onFulfilled?: () => unknown, onRejected?: (e: Error) => unknown) => (ctx.attempt === 1 ? onRejected?.(new Error('first try fails')) : onFulfilled?.()) } as PromiseLike<void>;
      }
    }
    const bus = await createBus({ transport: 'memory:', services: [Worker], logger: silentLogger, env: {} });
    await bus.start();
    try {
      await bus.publish(Jobs, { n: 0 });
      await bus.publish(Jobs, { n: 1 });
      await waitFor('job 1 retried', () => events.includes('start 1 attempt 2'));
      expect(events).toEqual(['start 0 attempt 1', 'start 1 attempt 1', 'start 1 attempt 2']);
      release();
    } finally {
      await bus.stop({ timeoutMs: 5000 });
    }
    // Stopping waited for job 0's promise, and nothing came again.
    expect(events).toEqual(['start 0 attempt 1', 'start 1 attempt 1', 'start 1 attempt 2']);
  });
});
