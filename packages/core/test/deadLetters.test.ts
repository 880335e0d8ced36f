import { Actor, createBus, HopbusError, MemoryTransport, silentLogger, Subscribe, topic } from '@hopbus/core';
import type { Delivery, MessageContext } from '@hopbus/core';
import { Receiver } from '@hopbus/testing';
import { waitFor } from './waitFor.js';

interface Job {
  n: number;
}

const quiet = { logger: silentLogger };
const once = { retry: { attempts: 1 } };

function deadLetters(transport: MemoryTransport, name: string): Promise<Receiver> {
  return transport.subscribe(name, { group: 'inspect', start: 'earliest', maxInFlight: 10, ackTimeoutMs: 30_000 }).then((s) => new Receiver(s));
}

function failureHeaders(delivery: Delivery): Record<string, string> {
  return Object.fromEntries(Object.entries(delivery.headers).filter(([name]) => name.startsWith('hopbus-') && !name.endsWith('-at')));
}

describe('dead-letter headers', () => {
  it('a message that carries an earlier failure and fails again gets the new failure, not the old', async () => {
    const Jobs = topic<Job>('dl1.jobs');
    const Retried = topic<Job>('dl1.retried');
    const transport = new MemoryTransport();
    @Actor('first')
    class First {
      @Subscribe(Jobs, once) fail(): void {
        throw new Error('first failure');
      }
    }
    @Actor('second')
    class Second {
      @Subscribe(Retried, { retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 1 } }) fail(): void {
        throw new HopbusError('config', 'second failure');
      }
    }
    const bus = await createBus({ transport, services: [First, Second], ...quiet });
    await bus.start();
    await bus.publish(Jobs, { n: 1 }, { headers: { 'x-kept': 'yes' } });
    const [first] = await (await deadLetters(transport, 'dl1.jobs.dlq')).take(1, { ack: true });
    // Re-published from the dead letters to another topic with all its headers, as a tool that forwards it would.
    await bus.publish(Retried, { n: 1 }, { headers: first!.headers, id: 'retried-1' });
    const [second] = await (await deadLetters(transport, 'dl1.retried.dlq')).take(1);
    expect(second).toBeDefined();
    expect(failureHeaders(second!)).toEqual({
      'hopbus-error': 'second failure',
      'hopbus-error-code': 'config',
      'hopbus-original-topic': 'dl1.retried',
      'hopbus-original-id': 'retried-1',
      'hopbus-original-group': 'second',
      'hopbus-attempts': '2',
      'hopbus-dead-letter-topic': 'dl1.retried.dlq',
    });
    expect(second!.headers['hopbus-failed-at']).not.toBe(first!.headers['hopbus-failed-at']);
    expect(second!.headers['x-kept']).toBe('yes');
    await bus.stop();
  });

  it('a dead letter that fails again keeps where the message failed first, however long the chain', async () => {
    const Jobs = topic<Job>('dl2.jobs');
    const transport = new MemoryTransport();
    const seen: MessageContext[] = [];
    @Actor('worker')
    class Worker {
      @Subscribe(Jobs, once) fail(): void {
        throw new HopbusError('handler', 'cannot ship to Atlantis');
      }
    }
    @Actor('alerts')
    class Alerts {
      @Subscribe(topic<Job>('dl2.jobs.dlq'), once) alert(_job: Job, ctx: MessageContext): void {
        seen.push(ctx);
        throw new Error('pager is down');
      }
      @Subscribe(topic<Job>('dl2.jobs.dlq.dlq'), once) alertAgain(_job: Job, ctx: MessageContext): void {
        seen.push(ctx);
        throw new Error('pager is still down');
      }
    }
    const bus = await createBus({ transport, services: [Worker, Alerts], ...quiet });
    await bus.start();
    await bus.publish(Jobs, { n: 2 }, { id: 'job-2', key: 'k2' });
    const [third] = await (await deadLetters(transport, 'dl2.jobs.dlq.dlq.dlq')).take(1);
    expect(third).toBeDefined();
    const [firstDeadLetter, secondDeadLetter] = seen;
    expect(failureHeaders(third!)).toEqual({
      'hopbus-error': 'pager is still down',
      'hopbus-error-code': 'handler',
      'hopbus-original-topic': 'dl2.jobs.dlq.dlq',
      'hopbus-original-id': secondDeadLetter!.id,
      'hopbus-original-group': 'alerts',
      'hopbus-attempts': '1',
      'hopbus-dead-letter-topic': 'dl2.jobs.dlq.dlq.dlq',
      'hopbus-first-error': 'cannot ship to Atlantis',
      'hopbus-first-error-code': 'handler',
      'hopbus-first-original-topic': 'dl2.jobs',
      'hopbus-first-original-id': 'job-2',
      'hopbus-first-original-group': 'worker',
      'hopbus-first-attempts': '1',
    });
    expect(third!.headers['hopbus-first-failed-at']).toBe(firstDeadLetter!.headers['hopbus-failed-at']);
    expect(secondDeadLetter!.headers['hopbus-first-original-topic']).toBe('dl2.jobs');
    expect(secondDeadLetter!.headers['hopbus-original-id']).toBe(firstDeadLetter!.id);
    expect(third!.key).toBe('k2');
    expect(Buffer.from(third!.data).toString()).toBe('{"n":2}');
    await bus.stop();
  });

  it('lets a redrive find the original topic of any dead letter, first in a chain or not', async () => {
    const Jobs = topic<Job>('dl3.jobs');
    const transport = new MemoryTransport();
    const handled: Job[] = [];
    let failing = true;
    @Actor('worker')
    class Worker {
      @Subscribe(Jobs, once) work(job: Job): void {
        if (failing) throw new Error('not yet');
        handled.push(job);
      }
    }
    @Actor('alerts')
    class Alerts {
      @Subscribe(topic<Job>('dl3.jobs.dlq'), once) alert(): void {
        throw new Error('pager is down');
      }
    }
    const bus = await createBus({ transport, services: [Worker, Alerts], ...quiet });
    await bus.start();
    await bus.publish(Jobs, { n: 3 });
    const [chained] = await (await deadLetters(transport, 'dl3.jobs.dlq.dlq')).take(1, { ack: true });
    const redriveTarget = chained!.headers['hopbus-first-original-topic'] ?? chained!.headers['hopbus-original-topic'];
    expect(redriveTarget).toBe('dl3.jobs');
    const redrive = (id: string) => transport.publish([{ id, topic: redriveTarget!, key: chained!.key, headers: chained!.headers, data: chained!.data, timestamp: Date.now() }]);
    // Sent back while it still fails: a new chain begins, nothing of the old one is kept.
    const firstLevel = await deadLetters(transport, 'dl3.jobs.dlq');
    await redrive('redriven-3');
    const [again] = (await firstLevel.take(2)).filter((d) => d.headers['hopbus-original-id'] === 'redriven-3');
    expect(failureHeaders(again!)).toEqual({
      'hopbus-error': 'not yet',
      'hopbus-error-code': 'handler',
      'hopbus-original-topic': 'dl3.jobs',
      'hopbus-original-id': 'redriven-3',
      'hopbus-original-group': 'worker',
      'hopbus-attempts': '1',
      'hopbus-dead-letter-topic': 'dl3.jobs.dlq',
    });
    failing = false;
    await redrive('redriven-3b');
    await waitFor('the redriven job to be handled', () => handled.length === 1);
    expect(handled).toEqual([{ n: 3 }]);
    await bus.stop();
  });
});
