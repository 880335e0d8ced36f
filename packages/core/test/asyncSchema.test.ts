import { runInNewContext } from 'node:vm';
import { Actor, createBus, HopbusError, MemoryTransport, newMessageId, silentLogger, Subscribe, topic } from '@hopbus/core';
import type { Topic } from '@hopbus/core';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { Receiver } from '@hopbus/testing';
import { captureSpans } from '@hopbus/tracing';
import { waitFor } from './waitFor.js';

interface Order {
  orderId: string;
  total: number;
}

type Result = StandardSchemaV1.Result<Order>;

/** The check itself: a positive total; the order id is trimmed, to show the handler gets the validated value. */
function check(value: unknown): Result {
  const order = value as Partial<Order> | null;
  if (typeof order?.orderId !== 'string') return { issues: [{ message: 'must be a string', path: ['orderId'] }] };
  if (typeof order.total !== 'number' || order.total <= 0) return { issues: [{ message: 'must be positive', path: ['total'] }] };
  return { value: { orderId: order.orderId.trim(), total: order.total } };
}

/** A hand-written Standard Schema whose validate answers through `later`. */
function asyncSchema(later: (result: Result) => PromiseLike<Result>): StandardSchemaV1<unknown, Order> {
  return { '~standard': { version: 1, vendor: 'hand-written', validate: (value) => later(check(value)) as Promise<Result> } };
}

/** How an asynchronous validate can answer: each is a promise (or promise-like) resolved on a later turn. */
const answers: readonly [string, (result: Result) => PromiseLike<Result>][] = [
  ['a promise of this realm', (result) => new Promise((resolve) => setImmediate(() => resolve(result)))],
  // What a library loaded in another realm (a vm context, a test runner's sandbox) returns: not `instanceof Promise` here.
  ['a promise of another realm', (result) => runInNewContext('new Promise((resolve) => resolve(result))', { result }) as Promise<Result>],
  ['a promise-like object', (result) => ({ then: (onResolved) => Promise.resolve(result).then(onResolved) })],
];

const quiet = { logger: silentLogger };

function rawRecord(on: Topic<Order>, id: string, json: string) {
  return { id, topic: on.name, headers: {}, data: new TextEncoder().encode(json), timestamp: Date.now() };
}

describe.each(answers)('a topic whose schema validates asynchronously, answering with %s', (kind, later) => {
  const slug = kind.replace(/\W+/g, '-');

  it('refuses an invalid publish with code schema, and publishes the validated value of a valid one', async () => {
    const Orders = topic<Order>(`as1.${slug}`, { schema: asyncSchema(later) });
    const transport = new MemoryTransport();
    const bus = await createBus({ transport, ...quiet });
    const published = new Receiver(await transport.subscribe(Orders.name, { group: 'inspect', start: 'earliest', maxInFlight: 10, ackTimeoutMs: 30_000 }));
    await expect(bus.publish(Orders, { orderId: 'o1', total: -5 })).rejects.toMatchObject({ code: 'schema', message: expect.stringContaining('total: must be positive') });
    await expect(bus.publishBatch(Orders, [{ payload: { orderId: 'o2', total: 1 } }, { payload: { orderId: 7 } as unknown as Order }])).rejects.toMatchObject({ code: 'schema' });
    await bus.publish(Orders, { orderId: ' o3 ', total: 3 });
    const [only] = await published.take(1);
    expect(JSON.parse(Buffer.from(only!.data).toString())).toEqual({ orderId: 'o3', total: 3 });
    expect(await published.next(100)).toBeUndefined();
    await bus.stop();
  });

  it('sends an invalid message straight to the dead letters with code schema, and gives the handler the validated value', async () => {
    const Orders = topic<Order>(`as2.${slug}`, { schema: asyncSchema(later) });
    const transport = new MemoryTransport();
    const handled: Order[] = [];
    @Actor('shop')
    class Shop {
      @Subscribe(Orders) place(order: Order): void {
        handled.push(order);
      }
    }
    const bus = await createBus({ transport, services: [Shop], ...quiet });
    await bus.start();
    await transport.publish([rawRecord(Orders, 'bad', '{"orderId":"o1","total":0}'), rawRecord(Orders, 'good', '{"orderId":" o2 ","total":2}')]);
    const [dead] = await new Receiver(await transport.subscribe(`${Orders.name}.dlq`, { group: 'inspect', start: 'earliest', maxInFlight: 10, ackTimeoutMs: 30_000 })).take(1);
    expect(dead?.headers).toMatchObject({ 'hopbus-original-id': 'bad', 'hopbus-error-code': 'schema', 'hopbus-attempts': '0' });
    await waitFor('the good order', () => handled.length === 1);
    expect(handled).toEqual([{ orderId: 'o2', total: 2 }]);
    await bus.stop();
  });
});

describe('a schema that throws instead of answering', () => {
  const broken = (fail: () => never): StandardSchemaV1<unknown, Order> => ({ '~standard': { version: 1, vendor: 'broken', validate: fail } });

  it('fails the publish with code schema, whether it throws or rejects', async () => {
    const Throwing = topic<Order>('as3.throwing', {
      schema: broken(() => {
        throw new Error('schema bug');
      }),
    });
    const Rejecting = topic<Order>('as3.rejecting', {
      schema: { '~standard': { version: 1, vendor: 'broken', validate: () => Promise.reject(new Error('schema bug')) } },
    });
    const bus = await createBus({ transport: new MemoryTransport(), ...quiet });
    for (const broken of [Throwing, Rejecting]) {
      const error: unknown = await bus.publish(broken, { orderId: 'o', total: 1 }).catch((e: unknown) => e);
      expect(HopbusError.hasCode(error, 'schema')).toBe(true);
      expect((error as Error).message).toContain('schema bug');
      expect((error as Error).cause).toBeInstanceOf(Error);
    }
    await bus.stop();
  });

  it('dead-letters the message with code schema', async () => {
    const Orders = topic<Order>('as4.orders', {
      schema: { '~standard': { version: 1, vendor: 'broken', validate: () => Promise.reject(new Error('schema bug')) } },
    });
    const transport = new MemoryTransport();
    let handled = 0;
    @Actor('shop')
    class Shop {
      @Subscribe(Orders) place(): void {
        handled++;
      }
    }
    const bus = await createBus({ transport, services: [Shop], ...quiet });
    await bus.start();
    await transport.publish([rawRecord(Orders, newMessageId(), '{"orderId":"o1","total":1}')]);
    const [dead] = await new Receiver(await transport.subscribe('as4.orders.dlq', { group: 'inspect', start: 'earliest', maxInFlight: 10, ackTimeoutMs: 30_000 })).take(1);
    expect(dead?.headers['hopbus-error-code']).toBe('schema');
    expect(handled).toBe(0);
    await bus.stop();
  });
});

describe('the order of messages whose schema answers out of order', () => {
  /** A schema whose answers the test gives, in any order it likes. */
  function heldSchema() {
    const held: { value: unknown; answer(): void }[] = [];
    const schema: StandardSchemaV1<unknown, Order> = {
      '~standard': {
        version: 1,
        vendor: 'held',
        validate: (value) => new Promise<Result>((resolve) => held.push({ value, answer: () => resolve(check(value)) })),
      },
    };
    return { schema, held };
  }

  it.each(['off', 'on'])('keeps the publish order when a later message is validated first (tracing %s)', async (tracing) => {
    const capture = tracing === 'on' ? captureSpans() : undefined;
    const { schema, held } = heldSchema();
    const Orders = topic<Order>(`as5.${tracing}.orders`, { schema });
    const Plain = topic<Order>(`as5.${tracing}.plain`);
    const transport = new MemoryTransport();
    const bus = await createBus({ transport, ...quiet });
    try {
      const published = new Receiver(await transport.subscribe(Orders.name, { group: 'inspect', start: 'earliest', maxInFlight: 10, ackTimeoutMs: 30_000 }));
      const plain = new Receiver(await transport.subscribe(Plain.name, { group: 'inspect', start: 'earliest', maxInFlight: 10, ackTimeoutMs: 30_000 }));
      const calls = [bus.publish(Orders, { orderId: 'first', total: 1 }, { key: 'k' }), bus.publish(Orders, { orderId: 'second', total: 2 }, { key: 'k' })];
      // A message of a topic without a schema, published after them, waits for them too.
      let plainSent = false;
      calls.push(bus.publish(Plain, { orderId: 'third', total: 3 }).then(() => void (plainSent = true)));
      await waitFor('both validations to start', () => held.length === 2);
      held[1]!.answer();
      await new Promise((resolve) => setImmediate(resolve));
      expect(plainSent).toBe(false);
      held[0]!.answer();
      await Promise.all(calls);
      const received = await published.take(2);
      expect(received.map((d) => (JSON.parse(Buffer.from(d.data).toString()) as Order).orderId)).toEqual(['first', 'second']);
      expect(received[0]!.offset).toBeLessThan(received[1]!.offset);
      expect(await plain.take(1)).toHaveLength(1);
      if (capture) expect(capture.spans().filter((span) => span.name.startsWith('publish'))).toHaveLength(3);
    } finally {
      await bus.stop();
      await capture?.shutdown();
    }
  });

  it('hands messages of one key to the handler in their order when a later one is validated first', async () => {
    const { schema, held } = heldSchema();
    const Orders = topic<Order>('as6.orders', { schema });
    const transport = new MemoryTransport();
    const handled: string[] = [];
    @Actor('shop')
    class Shop {
      @Subscribe(Orders) place(order: Order): void {
        handled.push(order.orderId);
      }
    }
    const bus = await createBus({ transport, services: [Shop], ...quiet });
    await bus.start();
    const record = (orderId: string) => ({ ...rawRecord(Orders, orderId, JSON.stringify({ orderId, total: 1 })), key: 'k' });
    await transport.publish([record('first'), record('second'), record('third')]);
    await waitFor('three validations to start', () => held.length === 3);
    held[2]!.answer();
    held[1]!.answer();
    await new Promise((resolve) => setImmediate(resolve));
    expect(handled).toEqual([]);
    held[0]!.answer();
    await waitFor('three orders', () => handled.length === 3);
    expect(handled).toEqual(['first', 'second', 'third']);
    await bus.stop();
  });
});
