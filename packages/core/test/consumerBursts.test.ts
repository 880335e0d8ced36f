import { Actor, createBus, Subscribe, topic } from '@hopbus/core';
import type { Bus } from '@hopbus/core';
import { captureSpans } from '@hopbus/tracing';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { deliveryOf, recordingLogger, scripted } from './scriptedTransport.js';
import { waitFor } from './waitFor.js';

// How the consumer takes what a subscription has ready (bursts through poll()), what it does with
// what arrives while the bus stops, and what it keeps of the handlers that ran.

type Job = { n: number };
const Jobs = topic<Job>('paths.jobs');

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('the consumer takes what is ready', () => {
  it('in bursts of at most one pull window after each awaited delivery', async () => {
    const seen: number[] = [];
    @Actor('bursts-a')
    class Counter {
      @Subscribe(Jobs, { maxInFlight: 3 })
      run(job: Job): void {
        seen.push(job.n);
      }
    }
    const jobs = Array.from({ length: 10 }, (_, i) => deliveryOf(i + 1));
    const { transport, calls } = scripted(jobs, { pollable: true });
    const bus = await createBus({ transport, services: [Counter], logger: recordingLogger() });
    await bus.start();
    await waitFor('every job', () => seen.length === 10);
    await waitFor('the iteration waiting again', () => calls.length === 12);
    expect(calls).toEqual(['next', 'poll', 'poll', 'poll', 'next', 'poll', 'poll', 'poll', 'next', 'poll', 'poll', 'next']);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(jobs.map((job) => job.settled)).toEqual(jobs.map(() => ['ack']));
    await bus.stop();
  });

  it('takes nothing more once the bus is stopping, even what poll() would still hand out', async () => {
    let stopped: Promise<void> | undefined;
    @Actor('bursts-b')
    class Stopper {
      @Subscribe(Jobs, { maxInFlight: 3 })
      run(): void {
        stopped ??= bus.stop();
      }
    }
    const jobs = Array.from({ length: 5 }, (_, i) => deliveryOf(i + 1));
    const { transport, calls } = scripted(jobs, { pollable: true });
    const bus: Bus = await createBus({ transport, services: [Stopper], logger: recordingLogger() });
    await bus.start();
    await waitFor('the stop', () => stopped !== undefined);
    await stopped;
    expect(calls).toEqual(['next', 'next']);
    expect(jobs.map((job) => job.settled)).toEqual([['ack'], [], [], [], []]);
  });
});

describe('while the bus stops', () => {
  it('hands back a message whose asynchronous check answers after the stop began, and the stop waits for it', async () => {
    let answer!: (result: StandardSchemaV1.Result<Job>) => void;
    const schema: StandardSchemaV1<unknown, Job> = {
      '~standard': { version: 1, vendor: 'test', validate: () => new Promise((resolve) => (answer = resolve)) },
    };
    const Checked = topic<Job>('paths.jobs', { schema });
    const handled: number[] = [];
    @Actor('bursts-c')
    class Checker {
      @Subscribe(Checked)
      run(job: Job): void {
        handled.push(job.n);
      }
    }
    const job = deliveryOf(1);
    const { transport } = scripted([job]);
    const bus = await createBus({ transport, services: [Checker], logger: recordingLogger() });
    await bus.start();
    await waitFor('the check under way', () => answer !== undefined);
    let done = false;
    const stopped = bus.stop().then(() => void (done = true));
    for (let i = 0; i < 5; i++) await turn();
    expect(done).toBe(false);
    answer({ value: { n: 1 } });
    await stopped;
    expect(job.settled).toEqual(['nack 0']);
    expect(handled).toEqual([]);
  });

  it('hands back at the drain timeout only what still runs, never what a handler finished', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    @Actor('bursts-d')
    class Mixed {
      @Subscribe(Jobs, { concurrency: 2 })
      async run(job: Job): Promise<void> {
        if (job.n === 1) await new Promise(() => undefined); // never ends, ignores its signal
        await released;
      }
    }
    const stuck = deliveryOf(1, 1, 'a');
    const quick = deliveryOf(2, 1, 'b');
    const logger = recordingLogger();
    const { transport } = scripted([stuck, quick]);
    const bus = await createBus({ transport, services: [Mixed], logger });
    await bus.start();
    release();
    await waitFor('the quick one acked', () => quick.settled.length === 1);
    await bus.stop({ timeoutMs: 10 });
    expect(quick.settled).toEqual(['ack']);
    expect(stuck.settled).toEqual(['nack 0']);
    expect(logger.lines.filter((line) => line.level === 'warn').map((line) => line.fields)).toEqual([{ unfinished: 1 }]);
  });
});

describe('the process span of a message that never reached its handler', () => {
  it('ends, failed, when the message is dead-lettered', async () => {
    const capture = captureSpans();
    @Actor('bursts-e')
    class Reader {
      @Subscribe(Jobs)
      run(): void {}
    }
    const broken = { ...deliveryOf(3), data: new TextEncoder().encode('{not json') };
    const { transport } = scripted([broken]);
    const bus = await createBus({ transport, services: [Reader], logger: recordingLogger() });
    try {
      await bus.start();
      await waitFor('the message settled', () => broken.settled.length > 0);
      await waitFor('the process span ended', () => capture.spans().some((span) => span.name === 'process paths.jobs'));
      const process = capture.spans().find((span) => span.name === 'process paths.jobs')!;
      expect(process.status.code).toBe(2);
      expect(process.attributes['error.type']).toBe('decode');
    } finally {
      await bus.stop();
      await capture.shutdown();
    }
  });
});
