import { Actor, Subscribe } from '@hopbus/core';
import type { MessageContext } from '@hopbus/core';
import type { RuntimeCase } from '../RuntimeCase.js';
import { waitUntil } from '../waitUntil.js';

interface Job {
  readonly key: string;
  readonly n: number;
}

/**
 * At stop, a:1 runs (and finishes: the stop waits for it), a:2 and a:3 wait in a's mailbox,
 * and b:1 waits a minute for its retry. The queued and the retrying one are handed back at once;
 * a later bus on the same storage gets them, a's in order, and not a:1, which was settled.
 */
export const handBackCase: RuntimeCase = {
  id: 'handBack',
  title: 'hands back at stop what waits in a mailbox or for a retry; a later bus on the same storage gets it, in order per key',
  async run(rig) {
    const Jobs = rig.topic<Job>('handback');
    let later = false;
    const first: string[] = [];
    const second: string[] = [];
    const running = rig.gate();
    @Actor('resumer')
    class Resumer {
      @Subscribe(Jobs, { concurrency: 2, retry: { attempts: 5, initialDelayMs: 60_000, maxDelayMs: 60_000 }, ackTimeoutMs: rig.ackTimeoutMs })
      async work(job: Job, ctx: MessageContext): Promise<void> {
        const name = `${job.key}:${job.n}@${ctx.attempt}`;
        if (later) {
          second.push(name);
          return;
        }
        first.push(name);
        if (job.key === 'b') throw new Error('fails once; the retry waits a minute');
        if (job.n === 1) await running.passed;
      }
    }
    const bus = await rig.firstBus([Resumer]);
    await bus.start();
    const jobs: Job[] = [
      { key: 'a', n: 1 },
      { key: 'a', n: 2 },
      { key: 'a', n: 3 },
      { key: 'b', n: 1 },
    ];
    await bus.publishBatch(
      Jobs,
      jobs.map((job) => ({ payload: job, options: { key: job.key } })),
    );
    await waitUntil('a:1 to run and b:1 to fail', () => first.length === 2);
    const stopping = bus.stop({ timeoutMs: 60_000 });
    running.open();
    await stopping;
    expect([...first].sort()).toEqual(['a:1@1', 'b:1@1']);

    later = true;
    const next = await rig.laterBus([Resumer]);
    await next.start();
    await next.publish(Jobs, { key: 'a', n: 4 }, { key: 'a' });
    await waitUntil('the handed-back messages and a new one', () => second.includes('a:4@1') && second.includes('b:1@1'));
    expect(second.filter((name) => name.startsWith('a:'))).toEqual(['a:2@1', 'a:3@1', 'a:4@1']);
  },
};
