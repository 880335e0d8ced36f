import { Actor, createBus, HopbusError, MemoryTransport, Publishes, silentLogger, Subscribe, topic } from '@hopbus/core';
import type { MessageContext, Publisher, Transport } from '@hopbus/core';
import { Receiver } from '@hopbus/testing';
import { Container, inject, injectable } from 'inversify';
import { z } from 'zod';
import { waitFor } from './waitFor.js';

interface Order {
  orderId: string;
  total: number;
}
interface Payment {
  orderId: string;
  amount: number;
}

const quiet = { logger: silentLogger };

/** `transport` as seen by buses that come and go: stopping a bus does not close it. */
function outlivingBuses(transport: MemoryTransport): Transport {
  return {
    kind: transport.kind,
    features: transport.features,
    connect: () => transport.connect(),
    publish: (records) => transport.publish(records),
    subscribe: (topic, options) => transport.subscribe(topic, options),
    close: async () => undefined,
  };
}

describe('the bus', () => {
  it('delivers to a decorated handler, injects constructor dependencies and publishers, and carries correlation', async () => {
    const Orders = topic<Order>('t1.orders');
    const Payments = topic<Payment>('t1.payments');
    @injectable()
    class Gateway {
      charged: string[] = [];
      charge(id: string): void {
        this.charged.push(id);
      }
    }
    const seen: MessageContext[] = [];
    @Actor('payments')
    class PaymentService {
      @Publishes(Payments) private readonly settled!: Publisher<Payment>;
      constructor(@inject(Gateway) private readonly gateway: Gateway) {}
      @Subscribe(Orders)
      async charge(order: Order): Promise<void> {
        this.gateway.charge(order.orderId);
        await this.settled.publish({ orderId: order.orderId, amount: order.total });
      }
    }
    @Actor('ledger')
    class Ledger {
      @Subscribe(Payments)
      record(_payment: Payment, ctx: MessageContext): void {
        seen.push(ctx);
      }
    }
    const container = new Container();
    container.bind(Gateway).toSelf().inSingletonScope();
    const bus = await createBus({ transport: new MemoryTransport(), services: [PaymentService, Ledger], container, ...quiet });
    await bus.start();
    await bus.publish(Orders, { orderId: 'o1', total: 42 }, { key: 'o1', headers: { 'X-Request': 'r1' } });
    await waitFor('the payment to be recorded', () => seen.length === 1);
    expect(container.get(Gateway).charged).toEqual(['o1']);
    const ctx = seen[0]!;
    expect(ctx.topic).toBe('t1.payments');
    expect(ctx.deliveryCount).toBe(1);
    expect(ctx.attempt).toBe(1);
    expect(ctx.headers['hopbus-causation-id']).toBeDefined();
    expect(ctx.headers['hopbus-correlation-id']).toBe(ctx.headers['hopbus-causation-id']);
    expect(ctx.correlationId).toBe(ctx.headers['hopbus-correlation-id']);
    await bus.stop();
  });

  it('carries correlation through ctx.publish across two hops', async () => {
    const A = topic<{ n: number }>('t2.a');
    const B = topic<{ n: number }>('t2.b');
    const C = topic<{ n: number }>('t2.c');
    const contexts: MessageContext[] = [];
    @Actor()
    class Relay {
      @Subscribe(A) async a(p: { n: number }, ctx: MessageContext): Promise<void> {
        contexts.push(ctx);
        await ctx.publish(B, p);
      }
      @Subscribe(B) async b(p: { n: number }, ctx: MessageContext): Promise<void> {
        contexts.push(ctx);
        await ctx.publish(C, p);
      }
      @Subscribe(C) c(_p: { n: number }, ctx: MessageContext): void {
        contexts.push(ctx);
      }
    }
    const bus = await createBus({ transport: 'memory:', services: [Relay], ...quiet });
    await bus.start();
    await bus.publish(A, { n: 1 });
    await waitFor('three hops', () => contexts.length === 3);
    const [a, b, c] = contexts as [MessageContext, MessageContext, MessageContext];
    expect(a.correlationId).toBe(a.id);
    expect(b.correlationId).toBe(a.id);
    expect(c.correlationId).toBe(a.id);
    expect(b.headers['hopbus-causation-id']).toBe(a.id);
    expect(c.headers['hopbus-causation-id']).toBe(b.id);
    await bus.stop();
  });

  it('retries a failing handler in place, keeping order per key, then succeeds', async () => {
    const Jobs = topic<{ key: string; n: number }>('t3.jobs');
    const handled: string[] = [];
    let failures = 0;
    @Actor()
    class Worker {
      @Subscribe(Jobs, { retry: { attempts: 4, initialDelayMs: 5, maxDelayMs: 20 }, concurrency: 4 })
      handle(job: { key: string; n: number }, ctx: MessageContext): void {
        if (job.key === 'k1' && job.n === 0 && failures < 2) {
          failures++;
          throw new Error('flaky');
        }
        handled.push(`${job.key}:${job.n}:${ctx.attempt}`);
      }
    }
    const bus = await createBus({ transport: 'memory:', services: [Worker], ...quiet });
    await bus.start();
    for (let n = 0; n < 3; n++) {
      await bus.publish(Jobs, { key: 'k1', n }, { key: 'k1' });
      await bus.publish(Jobs, { key: 'k2', n }, { key: 'k2' });
    }
    await waitFor('six jobs', () => handled.length === 6);
    expect(handled.filter((h) => h.startsWith('k1'))).toEqual(['k1:0:3', 'k1:1:1', 'k1:2:1']);
    expect(handled.filter((h) => h.startsWith('k2'))).toEqual(['k2:0:1', 'k2:1:1', 'k2:2:1']);
    await bus.stop();
  });

  it('dead-letters after the last attempt with the failure in headers, and settles the message', async () => {
    const Jobs = topic<{ n: number }>('t4.jobs');
    const transport = new MemoryTransport();
    let calls = 0;
    @Actor('poisoned')
    class Worker {
      @Subscribe(Jobs, { retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 5 }, ackTimeoutMs: 300 })
      handle(): void {
        calls++;
        throw new HopbusError('handler', 'cannot ship to Atlantis');
      }
    }
    const bus = await createBus({ transport, services: [Worker], ...quiet });
    await bus.start();
    await bus.publish(Jobs, { n: 7 }, { key: 'p1', headers: { 'x-kept': 'yes' } });
    const dead = await new Receiver(await transport.subscribe('t4.jobs.dlq', { group: 'inspect', start: 'earliest', maxInFlight: 10, ackTimeoutMs: 30_000 })).next();
    expect(dead).toBeDefined();
    expect(calls).toBe(3);
    expect(JSON.parse(Buffer.from(dead!.data).toString())).toEqual({ n: 7 });
    expect(dead!.key).toBe('p1');
    expect(dead!.headers).toMatchObject({
      'x-kept': 'yes',
      'hopbus-error': 'cannot ship to Atlantis',
      'hopbus-error-code': 'handler',
      'hopbus-original-topic': 't4.jobs',
      'hopbus-original-group': 'poisoned',
      'hopbus-attempts': '3',
    });
    expect(Number.isNaN(Date.parse(dead!.headers['hopbus-failed-at']!))).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(calls).toBe(3);
    await bus.stop();
  });

  it('sends a payload that does not decode or fails the schema straight to the dead letters', async () => {
    const Orders = topic<Order>('t5.orders', { schema: z.object({ orderId: z.string(), total: z.number().positive() }) });
    const transport = new MemoryTransport();
    const handled: Order[] = [];
    @Actor()
    class Shop {
      @Subscribe(Orders) place(order: Order): void {
        handled.push(order);
      }
    }
    const bus = await createBus({ transport, services: [Shop], ...quiet });
    await bus.start();
    const encoder = new TextEncoder();
    const raw = (data: string, id: string) => ({ id, topic: 't5.orders', headers: {}, data: encoder.encode(data), timestamp: Date.now() });
    await transport.publish([raw('{not json', 'bad-json'), raw('{"orderId":"o1","total":-1}', 'bad-schema'), raw('{"orderId":"o2","total":5}', 'good')]);
    const dlq = new Receiver(await transport.subscribe('t5.orders.dlq', { group: 'inspect', start: 'earliest', maxInFlight: 10, ackTimeoutMs: 30_000 }));
    const dead = await dlq.take(2);
    expect(dead.map((d) => [d.headers['hopbus-original-id'], d.headers['hopbus-error-code'], d.headers['hopbus-attempts']])).toEqual([
      ['bad-json', 'decode', '0'],
      ['bad-schema', 'schema', '0'],
    ]);
    expect(dead[1]!.headers['hopbus-error']).toContain('total');
    await waitFor('the good order', () => handled.length === 1);
    expect(handled[0]).toEqual({ orderId: 'o2', total: 5 });
    await bus.stop();
  });

  it('refuses at publish a payload that fails the schema or is too large', async () => {
    const Orders = topic<Order>('t6.orders', { schema: z.object({ orderId: z.string(), total: z.number() }) });
    const Blobs = topic<{ s: string }>('t6.blobs');
    const bus = await createBus({ transport: 'memory:', maxMessageBytes: 1000, ...quiet });
    await expect(bus.publish(Orders, { orderId: 1 } as unknown as Order)).rejects.toMatchObject({ code: 'schema' });
    await expect(bus.publish(Blobs, { s: 'x'.repeat(2000) })).rejects.toMatchObject({ code: 'message_too_large' });
    await bus.publish(Blobs, { s: 'x'.repeat(900) });
    await bus.stop();
  });

  it('runs different keys in parallel up to the concurrency, one at a time per key', async () => {
    const Jobs = topic<{ key: string }>('t7.jobs');
    let active = 0;
    let peak = 0;
    const activePerKey = new Map<string, number>();
    let done = 0;
    @Actor()
    class Worker {
      @Subscribe(Jobs, { concurrency: 3, key: (j) => j.key })
      async handle(job: { key: string }): Promise<void> {
        active++;
        peak = Math.max(peak, active);
        activePerKey.set(job.key, (activePerKey.get(job.key) ?? 0) + 1);
        expect(activePerKey.get(job.key)).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 10));
        activePerKey.set(job.key, activePerKey.get(job.key)! - 1);
        active--;
        done++;
      }
    }
    const bus = await createBus({ transport: 'memory:', services: [Worker], ...quiet });
    await bus.start();
    await bus.publishBatch(Jobs, Array.from({ length: 40 }, (_, i) => ({ payload: { key: `k${i % 5}` } })));
    await waitFor('40 jobs', () => done === 40);
    expect(peak).toBe(3);
    await bus.stop();
  });

  it('pulls only as fast as handlers free up (bounded in-flight)', async () => {
    const Jobs = topic<{ n: number }>('t8.jobs');
    const transport = new MemoryTransport();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    @Actor()
    class Slow {
      @Subscribe(Jobs, { maxInFlight: 8 })
      async handle(): Promise<void> {
        started++;
        await gate;
      }
    }
    const bus = await createBus({ transport, services: [Slow], ...quiet });
    await bus.start();
    await bus.publishBatch(Jobs, Array.from({ length: 1000 }, (_, n) => ({ payload: { n } })));
    await waitFor('the first handler', () => started === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const group = (transport as unknown as { groups: Map<string, { inFlight: Set<unknown> }> }).groups.values().next().value!;
    expect(group.inFlight.size).toBe(8);
    release();
    await bus.stop();
  });

  it('stop() lets running handlers finish, hands back queued messages, and fires the signal at the timeout', async () => {
    const Jobs = topic<{ n: number }>('t9.jobs');
    const transport = new MemoryTransport();
    const finished: number[] = [];
    let aborted = 0;
    @Actor('drainer')
    class Worker {
      @Subscribe(Jobs, { concurrency: 2 })
      async handle(job: { n: number }, ctx: MessageContext): Promise<void> {
        if (job.n === 0) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          finished.push(job.n);
          return;
        }
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
        aborted++;
        throw new Error('aborted');
      }
    }
    const bus = await createBus({ transport, services: [Worker], ...quiet });
    await bus.start();
    await bus.publishBatch(Jobs, [0, 1, 2, 3].map((n) => ({ payload: { n }, options: { key: `k${n}` } })));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const startedAt = Date.now();
    await transport.publish([]);
    await bus.stop({ timeoutMs: 300 });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(250);
    expect(finished).toEqual([0]);
    expect(aborted).toBe(1);
  });

  it('hands back a message whose handler was interrupted, so a new bus gets it again', async () => {
    const Jobs = topic<{ n: number }>('t10.jobs');
    const transport = new MemoryTransport();
    const seen: number[] = [];
    @Actor('resumer')
    class Worker {
      @Subscribe(Jobs, { retry: { attempts: 5, initialDelayMs: 10_000 } })
      handle(job: { n: number }, ctx: MessageContext): void {
        seen.push(ctx.deliveryCount);
        if (ctx.deliveryCount === 1) throw new Error('first try fails; the retry waits 10 s');
        void job;
      }
    }
    const shared = outlivingBuses(transport);
    const first = await createBus({ transport: shared, services: [Worker], ...quiet });
    await first.start();
    await first.publish(Jobs, { n: 1 });
    await waitFor('the first attempt', () => seen.length === 1);
    await first.stop({ timeoutMs: 1000 });
    const second = await createBus({ transport: shared, services: [Worker], ...quiet });
    await second.start();
    await waitFor('the redelivery', () => seen.length === 2);
    expect(seen).toEqual([1, 2]);
    await second.stop();
    await transport.close();
  });

  it('keeps the messages of a slow handler alive, running and queued, so none is delivered twice', async () => {
    const Jobs = topic<{ n: number }>('t10b.jobs');
    const transport = new MemoryTransport();
    const calls: number[] = [];
    @Actor('slowpoke')
    class Slow {
      @Subscribe(Jobs, { ackTimeoutMs: 150 })
      async handle(job: { n: number }): Promise<void> {
        calls.push(job.n);
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
    }
    const bus = await createBus({ transport, services: [Slow], ...quiet });
    await bus.start();
    await bus.publishBatch(Jobs, [{ payload: { n: 1 } }, { payload: { n: 2 } }, { payload: { n: 3 } }]);
    await waitFor('three calls', () => calls.length === 3, 5000);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(calls).toEqual([1, 2, 3]);
    await bus.stop();
  });

  it('dead-letters a message delivered more than maxDeliveries times without being settled', async () => {
    const Jobs = topic<{ n: number }>('t10c.jobs');
    const transport = new MemoryTransport();
    const counts: number[] = [];
    @Actor('crashy')
    class Crashy {
      @Subscribe(Jobs, { maxDeliveries: 2 })
      handle(_job: { n: number }, ctx: MessageContext): Promise<void> {
        counts.push(ctx.deliveryCount);
        return new Promise(() => undefined); // never settles: as if the process died in it
      }
    }
    const shared = outlivingBuses(transport);
    const dead = new Receiver(await transport.subscribe('t10c.jobs.dlq', { group: 'inspect', start: 'earliest', maxInFlight: 10, ackTimeoutMs: 30_000 }));
    for (let run = 1; run <= 3; run++) {
      const bus = await createBus({ transport: shared, services: [Crashy], ...quiet });
      await bus.start();
      if (run === 1) await bus.publish(Jobs, { n: 9 });
      if (run < 3) await waitFor(`delivery ${run}`, () => counts.length === run);
      else expect(await dead.next()).toMatchObject({ headers: { 'hopbus-error-code': 'max_deliveries', 'hopbus-original-topic': 't10c.jobs' } });
      await bus.stop({ timeoutMs: 20 });
    }
    expect(counts).toEqual([1, 2]);
    await transport.close();
  });

  it('refuses retry options it cannot follow when the bus starts, with code config', async () => {
    const T = topic<number>('t10e.x');
    @Actor('bad-retry')
    class BadRetry {
      @Subscribe(T, { retry: { attempts: 0 } }) handle(): void {}
    }
    const bus = await createBus({ transport: 'memory:', services: [BadRetry], ...quiet });
    const error = await bus.start().then(() => undefined, (e: unknown) => e);
    expect(HopbusError.hasCode(error, 'config')).toBe(true);
    expect((error as Error).message).toMatch(/retry.attempts must be a whole number/);
  });

  it('refuses a maxDeliveries that is not a whole number of at least 1', () => {
    const T = topic<number>('t10d.x');
    for (const maxDeliveries of [0, 0.5, Number.NaN]) {
      expect(() => {
        @Actor('bad-max')
        class Bad {
          @Subscribe(T, { maxDeliveries }) handle(): void {}
        }
        return Bad;
      }).toThrow(/maxDeliveries must be a whole number/);
    }
  });

  it('refuses to publish after stop with code transport_closed', async () => {
    const bus = await createBus({ transport: 'memory:', ...quiet });
    await bus.start();
    await bus.stop();
    await expect(bus.publish(topic<number>('t11.x'), 1)).rejects.toMatchObject({ code: 'transport_closed' });
  });

  it('lets timers and I/O run while it works through a backlog that is always ready', async () => {
    const transport = new MemoryTransport();
    const T = topic<number>('t11c.backlog');
    const total = 50_000;
    const records = Array.from({ length: total }, (_, n) => ({ payload: n }));
    const seeding = await createBus({ transport, ...quiet });
    await seeding.publishBatch(T, records);
    let handled = 0;
    @Actor('backlog')
    class Backlog {
      @Subscribe(T, { maxInFlight: 4096 }) handle(): void {
        handled++;
      }
    }
    const bus = await createBus({ transport, services: [Backlog], ...quiet });
    let handledWhenTimerRan = -1;
    const timer = new Promise<void>((resolve) =>
      setTimeout(() => {
        handledWhenTimerRan = handled;
        resolve();
      }, 0),
    );
    await bus.start();
    await timer;
    await waitFor('the backlog', () => handled === total);
    expect(handledWhenTimerRan).toBeGreaterThanOrEqual(0);
    expect(handledWhenTimerRan).toBeLessThan(total / 2);
    await bus.stop();
  });

  it('tries to connect again on the next publish after a failed connect', async () => {
    const transport = new MemoryTransport();
    let refusals = 1;
    const flaky = {
      kind: 'memory',
      features: transport.features,
      connect: async () => {
        if (refusals-- > 0) throw new HopbusError('connect_failed', 'not yet');
      },
      publish: transport.publish.bind(transport),
      subscribe: transport.subscribe.bind(transport),
      close: () => transport.close(),
    };
    const bus = await createBus({ transport: flaky, ...quiet });
    const T = topic<number>('t11b.x');
    await expect(bus.publish(T, 1)).rejects.toThrow('not yet');
    await bus.publish(T, 2);
    const receiver = new Receiver(await transport.subscribe('t11b.x', { group: 'g', start: 'earliest', maxInFlight: 10, ackTimeoutMs: 1000 }));
    expect((await receiver.take(1)).map((d) => JSON.parse(Buffer.from(d.data).toString()) as number)).toEqual([2]);
    await bus.stop();
  });

  it('explains a class that is not an actor and a duplicate subscription', async () => {
    class Plain {}
    const bus = await createBus({ transport: 'memory:', services: [Plain], ...quiet });
    await expect(bus.start()).rejects.toThrow(/@Actor\(\)/);
    const T = topic<number>('t12.x');
    @Actor('twice')
    class Twice {
      @Subscribe(T) one(): void {}
      @Subscribe(T) two(): void {}
    }
    const other = await createBus({ transport: 'memory:', services: [Twice], ...quiet });
    await expect(other.start()).rejects.toThrow(/different group/);
  });

  it('lists the topology from the decorators without starting', async () => {
    const In = topic<number>('t13.in');
    const Out = topic<number>('t13.out');
    @Actor('mapper')
    class Mapper {
      @Publishes(Out) readonly out!: Publisher<number>;
      @Subscribe(In, { group: 'g' }) map(): void {}
    }
    const bus = await createBus({ transport: 'memory:', services: [Mapper], ...quiet });
    expect(bus.topology()).toEqual({
      actors: [{ name: 'mapper', publishes: [{ topic: 't13.out', field: 'out' }], subscribes: [{ topic: 't13.in', group: 'g', method: 'map' }] }],
    });
  });
});

describe('publishing to something that is not a topic', () => {
  it('rejects with invalid_topic, saying to declare the topic with topic()', async () => {
    const bus = await createBus({ transport: 'memory:', env: {}, ...quiet });
    const publish = bus.publish.bind(bus) as (t: unknown, payload: unknown) => Promise<void>;
    const publishBatch = bus.publishBatch.bind(bus) as (t: unknown, messages: unknown[]) => Promise<void>;
    await expect(publish('orders.placed', { n: 1 })).rejects.toMatchObject({
      code: 'invalid_topic',
      message: 'bus.publish takes a topic made with topic(), got the string "orders.placed". Declare it once and share it: const t = topic("orders.placed"); then bus.publish(t, ...).',
    });
    await expect(publishBatch(undefined, [{ payload: 1 }])).rejects.toMatchObject({ code: 'invalid_topic', message: expect.stringContaining('got undefined') });
    await bus.stop();
  });
});

describe('choosing the transport', () => {
  it('lets HOPBUS_TRANSPORT override a configured URL', async () => {
    const bus = await createBus({ transport: 'log:./never', env: { HOPBUS_TRANSPORT: 'memory:' }, ...quiet });
    expect(bus.transport.kind).toBe('memory');
  });

  it('names what to do for an unknown scheme', async () => {
    await expect(createBus({ transport: 'kafka://x:9092', env: {}, ...quiet })).rejects.toMatchObject({
      code: 'config',
      message: expect.stringContaining("No transport is registered for 'kafka:'"),
    });
  });

  it('shares a named memory transport between buses in one process', async () => {
    const a = await createBus({ transport: 'memory:shared-1', env: {}, ...quiet });
    const b = await createBus({ transport: 'memory:shared-1', env: {}, ...quiet });
    expect(a.transport).toBe(b.transport);
  });
});
