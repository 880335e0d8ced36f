import { Actor, createBus, HopbusError, MemoryTransport, Publishes, silentLogger, Subscribe, topic } from '@hopbus/core';
import type { MessageContext, Publisher } from '@hopbus/core';
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
    const Jobs = topic<{ key: string; hold?: boolean }>('t7.jobs');
    let active = 0;
    let peak = 0;
    const activePerKey = new Map<string, number>();
    // The bus catches what a handler throws (a failed expect would only be retried): record, check after.
    const peakPerKey = new Map<string, number>();
    let done = 0;
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    @Actor()
    class Worker {
      @Subscribe(Jobs, { concurrency: 3, key: (j) => j.key })
      async handle(job: { key: string; hold?: boolean }): Promise<void> {
        active++;
        peak = Math.max(peak, active);
        activePerKey.set(job.key, (activePerKey.get(job.key) ?? 0) + 1);
        peakPerKey.set(job.key, Math.max(peakPerKey.get(job.key) ?? 0, activePerKey.get(job.key)!));
        await (job.hold ? held : new Promise((resolve) => setTimeout(resolve, 10)));
        activePerKey.set(job.key, activePerKey.get(job.key)! - 1);
        active--;
        done++;
      }
    }
    const bus = await createBus({ transport: 'memory:', services: [Worker], ...quiet });
    try {
      await bus.start();
      // A backlog: every slot stays busy.
      await bus.publishBatch(Jobs, Array.from({ length: 40 }, (_, i) => ({ payload: { key: `k${i % 5}` } })));
      await waitFor('40 jobs', () => done === 40);
      expect(peak).toBe(3);
      // A trickle: k0 arrives again while its first job runs and two slots are free; a job of
      // another key published after it shows k0's second job was routed by then.
      await bus.publish(Jobs, { key: 'k0', hold: true });
      await waitFor('the held job', () => active === 1);
      await bus.publish(Jobs, { key: 'k0' });
      await bus.publish(Jobs, { key: 'k9' });
      await waitFor('the k9 job', () => peakPerKey.has('k9') && activePerKey.get('k9') === 0);
      release();
      await waitFor('43 jobs', () => done === 43);
      expect(Object.fromEntries(peakPerKey)).toEqual({ k0: 1, k1: 1, k2: 1, k3: 1, k4: 1, k9: 1 });
    } finally {
      release();
      await bus.stop();
    }
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
