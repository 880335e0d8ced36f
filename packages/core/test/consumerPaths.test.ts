import { Actor, createBus, Subscribe, topic } from '@hopbus/core';
import { deliveryOf, recordingLogger, scripted } from './scriptedTransport.js';
import { waitFor } from './waitFor.js';

// The consumer's paths around a handler, each with a delivery the test makes: one delivered too
// often, a key function that throws, a dead letter that cannot be published, and what it logs
// while retrying and when it gives up.

const Jobs = topic<{ n: number }>('paths.jobs');

describe('the consumer around a handler', () => {
  it('dead-letters a message delivered more than maxDeliveries times without calling the handler', async () => {
    const called: number[] = [];
    @Actor('paths-a')
    class Worker {
      @Subscribe(Jobs, { maxDeliveries: 2 })
      run(job: { n: number }): void {
        called.push(job.n);
      }
    }
    const again = deliveryOf(1, 3);
    const fine = deliveryOf(2, 2);
    const { transport, published } = scripted([again, fine]);
    const bus = await createBus({ transport, services: [Worker], logger: recordingLogger() });
    await bus.start();
    await waitFor('both settled', () => again.settled.length > 0 && fine.settled.length > 0);
    expect(again.settled).toEqual(['term']);
    expect(fine.settled).toEqual(['ack']);
    expect(called).toEqual([2]);
    expect(published.map((r) => [r.topic, r.headers['hopbus-error-code'], r.headers['hopbus-attempts']])).toEqual([['paths.jobs.dlq', 'max_deliveries', '0']]);
    expect(published[0]!.headers['hopbus-error']).toBe(
      'The message was delivered 3 times without being settled (over maxDeliveries 2): its handler may crash the process, or the consumer kept stopping with it.',
    );
    await bus.stop();
  });

  it('dead-letters a message whose key function throws, and the handler never sees it', async () => {
    const called: number[] = [];
    @Actor('paths-b')
    class Keyed {
      @Subscribe(Jobs, {
        key: (job) => {
          if (job.n === 1) throw new Error('no key for 1');
          return `k${job.n}`;
        },
      })
      run(job: { n: number }): void {
        called.push(job.n);
      }
    }
    const bad = deliveryOf(1);
    const good = deliveryOf(2);
    const { transport, published } = scripted([bad, good]);
    const bus = await createBus({ transport, services: [Keyed], logger: recordingLogger() });
    await bus.start();
    await waitFor('both settled', () => bad.settled.length > 0 && good.settled.length > 0);
    expect([bad.settled, good.settled, called]).toEqual([['term'], ['ack'], [2]]);
    expect(published.map((r) => [r.headers['hopbus-error'], r.headers['hopbus-error-code']])).toEqual([['no key for 1', 'handler']]);
    await bus.stop();
  });

  it('says each retry and the giving up, then publishes the dead letter and terms the message', async () => {
    @Actor('paths-c')
    class Failing {
      calls = 0;
      @Subscribe(Jobs, { retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 2 } })
      run(): void {
        this.calls++;
        throw new Error(`attempt ${this.calls}`);
      }
    }
    const job = deliveryOf(7);
    const logger = recordingLogger();
    const { transport, published } = scripted([job]);
    const bus = await createBus({ transport, services: [Failing], logger });
    await bus.start();
    await waitFor('the message settled', () => job.settled.length > 0);
    expect(job.settled).toEqual(['term']);
    const warnings = logger.lines.filter((line) => line.level === 'warn');
    expect(warnings.map((w) => w.message.replace(/retrying in \d+ ms/, 'retrying in N ms'))).toEqual([
      'paths-c.run (paths.jobs) failed on attempt 1 of 3; retrying in N ms.',
      'paths-c.run (paths.jobs) failed on attempt 2 of 3; retrying in N ms.',
      'paths-c.run (paths.jobs) gave up on a message; it is in paths.jobs.dlq.',
    ]);
    expect(warnings[0]!.fields).toEqual({ id: 'id-7', error: 'attempt 1' });
    expect(warnings[1]!.fields).toEqual({ id: 'id-7', error: 'attempt 2' });
    // The dead letter and the last word carry the last failure, not the first.
    expect(warnings[2]!.fields).toEqual({ id: 'id-7', attempts: 3, error: 'attempt 3' });
    expect(published.map((r) => [r.headers['hopbus-attempts'], r.headers['hopbus-error']])).toEqual([['3', 'attempt 3']]);
    await bus.stop();
  });

  it('hands a message back after the longest retry delay when its dead letter cannot be published, and says so', async () => {
    @Actor('paths-d')
    class Failing {
      @Subscribe(Jobs, { retry: { attempts: 1, maxDelayMs: 1234 } })
      run(): void {
        throw new Error('bad job');
      }
    }
    const job = deliveryOf(9);
    const logger = recordingLogger();
    const { transport } = scripted([job], { failPublish: new Error('dead letters down') });
    const bus = await createBus({ transport, services: [Failing], logger });
    await bus.start();
    await waitFor('the message settled', () => job.settled.length > 0);
    expect(job.settled).toEqual(['nack 1234']);
    expect(logger.lines.filter((line) => line.level === 'error')).toEqual([
      {
        level: 'error',
        message: 'paths-d.run (paths.jobs) could not dead-letter a message to paths.jobs.dlq; it will be delivered again.',
        fields: { id: 'id-9', error: 'dead letters down' },
      },
    ]);
    await bus.stop();
  });

  it('dead-letters a payload that does not decode, saying why', async () => {
    @Actor('paths-f')
    class Reader {
      @Subscribe(Jobs)
      run(): void {}
    }
    const broken = { ...deliveryOf(3), data: new TextEncoder().encode('{not json') };
    const { transport, published } = scripted([broken]);
    const bus = await createBus({ transport, services: [Reader], logger: recordingLogger() });
    await bus.start();
    await waitFor('the message settled', () => broken.settled.length > 0);
    expect(broken.settled).toEqual(['term']);
    expect(published[0]!.headers['hopbus-error-code']).toBe('decode');
    expect(published[0]!.headers['hopbus-error']).toMatch(/^The payload could not be decoded: .*JSON/);
    await bus.stop();
  });

  it('hands back at the drain timeout what a handler never finishes, saying how many, and says nothing when handlers finish in time', async () => {
    @Actor('paths-g')
    class Stuck {
      @Subscribe(Jobs)
      async run(job: { n: number }): Promise<void> {
        if (job.n === 1) await new Promise(() => undefined); // never ends, ignores its signal
      }
    }
    const stuck = deliveryOf(1);
    const logger = recordingLogger();
    const { transport } = scripted([stuck]);
    const bus = await createBus({ transport, services: [Stuck], logger });
    await bus.start();
    await new Promise((resolve) => setImmediate(resolve));
    await bus.stop({ timeoutMs: 10 });
    expect(stuck.settled).toEqual(['nack 0']);
    expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([
      { level: 'warn', message: 'paths-g.run (paths.jobs) did not finish within the drain timeout; its messages will be delivered again.', fields: { unfinished: 1 } },
    ]);

    const quick = deliveryOf(2);
    const calm = recordingLogger();
    const second = scripted([quick]);
    const other = await createBus({ transport: second.transport, services: [Stuck], logger: calm });
    await other.start();
    await waitFor('the message handled', () => quick.settled.length > 0);
    await other.stop({ timeoutMs: 10_000 });
    expect(quick.settled).toEqual(['ack']);
    expect(calm.lines.filter((line) => line.level === 'warn')).toEqual([]);
  });

  it('subscribes with the handler\'s group, start, pull window, ack timeout and the topic\'s durability', async () => {
    const Quiet = topic<{ n: number }>('paths.quiet', { durable: false });
    @Actor('paths-e')
    class Options {
      @Subscribe(Quiet, { group: 'g-e', start: 'latest', maxInFlight: 7, ackTimeoutMs: 4321 })
      run(): void {}
    }
    const { transport, options } = scripted([]);
    const bus = await createBus({ transport, services: [Options], logger: recordingLogger() });
    await bus.start();
    expect(options).toEqual([{ group: 'g-e', start: 'latest', maxInFlight: 7, ackTimeoutMs: 4321, durable: false }]);
    await bus.stop();
  });
});
