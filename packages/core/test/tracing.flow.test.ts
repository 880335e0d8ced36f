import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Actor, createBus, MemoryTransport, Publishes, resolveTransport, silentLogger, Subscribe, topic, tracingAttributes as attr, tracingEvents } from '@hopbus/core';
import type { Publisher, Transport } from '@hopbus/core';
import { LogTransport } from '@hopbus/log';
import { NatsTransport } from '@hopbus/nats';
import { findNatsServerBinary, NatsServer } from '@hopbus/testing';
import { captureSpans, traceOutline } from '@hopbus/tracing';
import type { FlowSpan, SpanCapture, TraceTree } from '@hopbus/tracing';
import { context, propagation } from '@opentelemetry/api';
import { waitFor } from './waitFor.js';

/** One transport to run the flow on. Adding a transport is one entry here. */
interface TransportCase {
  readonly name: string;
  readonly system: string;
  /** Why the case cannot run here; undefined when it can. */
  readonly unavailable: string | undefined;
  open(): Promise<{ transport: Transport; cleanup(): Promise<void> }>;
}

/**
 * Why NATS cannot run here, or undefined. Under CI=true it always runs: without a nats-server,
 * NatsServer.start() fails the test with the line that installs it, so CI never passes by
 * skipping. Elsewhere a missing nats-server skips NATS visibly (a todo naming the reason).
 */
function natsUnavailable(): string | undefined {
  if (process.env.CI === 'true') return undefined;
  try {
    findNatsServerBinary();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const transportCases: readonly TransportCase[] = [
  { name: 'memory', system: 'hopbus.memory', unavailable: undefined, open: async () => ({ transport: new MemoryTransport(), cleanup: async () => undefined }) },
  {
    name: 'log',
    system: 'hopbus.log',
    unavailable: undefined,
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hopbus-tracing-'));
      // Through its URL, as an application makes it: the import registered the scheme.
      const transport = await resolveTransport(`log:${dir}`);
      expect(transport).toBeInstanceOf(LogTransport);
      return { transport, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'nats',
    system: 'nats',
    unavailable: natsUnavailable(),
    open: async () => {
      const server = await NatsServer.start();
      const transport = await resolveTransport(server.url);
      expect(transport).toBeInstanceOf(NatsTransport);
      return { transport, cleanup: () => server.dispose() };
    },
  },
];

interface Order {
  orderId: string;
}

const Placed = topic<Order>('shop.orders.placed');
const Accepted = topic<Order>('shop.orders.accepted');
const Settled = topic<Order>('shop.payments.settled');

/** Four actors, three hops: payments fails once per order (one retry), shipping always fails (one dead letter). */
function orderFlow() {
  const tenants: (string | undefined)[] = [];
  const declined = new Set<string>();
  @Actor('orders')
  class Orders {
    @Publishes(Accepted) private readonly accepted!: Publisher<Order>;
    @Subscribe(Placed, { key: (o) => o.orderId })
    async accept(order: Order): Promise<void> {
      await this.accepted.publish(order, { key: order.orderId });
    }
  }
  @Actor('payments')
  class Payments {
    @Publishes(Settled) private readonly settled!: Publisher<Order>;
    @Subscribe(Accepted, { retry: { attempts: 3, initialDelayMs: 5 } })
    async charge(order: Order): Promise<void> {
      if (!declined.has(order.orderId)) {
        declined.add(order.orderId);
        throw new Error('card declined');
      }
      await this.settled.publish(order, { key: order.orderId });
    }
  }
  @Actor('shipping')
  class Shipping {
    @Subscribe(Settled, { retry: { attempts: 1 } })
    ship(): void {
      throw new TypeError('no courier');
    }
  }
  @Actor('notifications')
  class Notifications {
    @Subscribe(Settled)
    notify(): void {
      tenants.push(propagation.getActiveBaggage()?.getEntry('tenant')?.value);
    }
  }
  return { services: [Orders, Payments, Shipping, Notifications], tenants };
}

const expectedOutline = [
  'producer publish shop.orders.placed',
  '  consumer process shop.orders.placed [orders]',
  '    producer publish shop.orders.accepted',
  '      consumer process shop.orders.accepted [payments]',
  '        producer publish shop.payments.settled',
  '          consumer process shop.payments.settled [notifications]',
  '          consumer process shop.payments.settled [shipping] !error',
  '            producer publish shop.payments.settled.dlq',
];

function only(spans: readonly FlowSpan[], predicate: (span: FlowSpan) => boolean): FlowSpan {
  const found = spans.filter(predicate);
  if (found.length !== 1) throw new Error(`expected one span, found ${found.length}: ${found.map((s) => s.name).join(', ')}`);
  return found[0]!;
}

function spansOf(tree: TraceTree, capture: SpanCapture): FlowSpan[] {
  return capture.flowSpans().filter((span) => span.traceId === tree.traceId);
}

describe.each(transportCases)('tracing an order flow on $name', (transportCase) => {
  const run = transportCase.unavailable === undefined ? it : it.skip;
  if (transportCase.unavailable !== undefined) {
    it.todo(`runs on ${transportCase.name}: skipped, ${transportCase.unavailable}`);
  }

  run('forms one trace per order, with the right parents, kinds, names, attributes, retry, dead letter and baggage', async () => {
    const capture = captureSpans();
    const { transport, cleanup } = await transportCase.open();
    const flow = orderFlow();
    const bus = await createBus({ transport, services: flow.services, logger: silentLogger });
    try {
      await bus.start();
      const withTenant = propagation.setBaggage(context.active(), propagation.createBaggage({ tenant: { value: 'acme' } }));
      for (const orderId of ['o-1', 'o-2']) {
        await context.with(withTenant, () => bus.publish(Placed, { orderId }, { key: orderId }));
      }
      await waitFor('16 spans', () => capture.spans().length >= 16, 15_000);
      await new Promise((resolve) => setTimeout(resolve, 50));

      expect(flow.tenants).toEqual(['acme', 'acme']);
      const traces = capture.traces();
      expect(traces).toHaveLength(2);
      expect(capture.spans()).toHaveLength(16);
      for (const tree of traces) {
        expect(traceOutline(tree)).toEqual(expectedOutline);
        const spans = spansOf(tree, capture);
        for (const span of spans) {
          expect(span.attributes[attr.system]).toBe(transportCase.system);
          expect(span.scope.name).toBe('@hopbus/core');
        }

        const placed = only(spans, (s) => s.name === 'publish shop.orders.placed');
        expect(placed.parentSpanId).toBeUndefined();
        expect(placed.attributes).toMatchObject({
          [attr.destination]: 'shop.orders.placed',
          [attr.operationType]: 'publish',
          [attr.messageId]: expect.any(String),
          [attr.bodySize]: Buffer.byteLength(JSON.stringify({ orderId: 'o-1' })),
        });
        expect(placed.attributes[attr.batchCount]).toBeUndefined();
        const orderId = placed.attributes[attr.messageId];

        const accepting = only(spans, (s) => s.name === 'process shop.orders.placed');
        expect(accepting.parentSpanId).toBe(placed.spanId);
        expect(accepting.attributes).toMatchObject({
          [attr.operationType]: 'process',
          [attr.messageId]: orderId,
          [attr.consumerGroup]: 'orders',
          [attr.partition]: expect.any(String),
          [attr.offset]: expect.any(Number),
          [attr.deliveryCount]: 1,
          [attr.actor]: 'orders',
          [attr.handler]: 'accept',
          [attr.conversationId]: orderId,
        });
        expect(accepting.status).toBe('unset');

        const charging = only(spans, (s) => s.name === 'process shop.orders.accepted');
        expect(charging.events.map((e) => e.name)).toEqual([tracingEvents.retry]);
        expect(charging.events[0]!.attributes).toMatchObject({ [attr.attempts]: 1, 'exception.type': 'Error', 'exception.message': 'card declined' });
        expect(charging.status).toBe('unset');
        expect(charging.attributes[attr.conversationId]).toBe(orderId);

        const shipping = only(spans, (s) => s.attributes[attr.actor] === 'shipping');
        expect(shipping.status).toBe('error');
        expect(shipping.statusMessage).toBe('no courier');
        expect(shipping.attributes).toMatchObject({ [attr.errorType]: 'TypeError', [attr.attempts]: 1 });
        expect(shipping.events.map((e) => e.name)).toEqual(['exception']);

        const deadLetter = only(spans, (s) => s.name === 'publish shop.payments.settled.dlq');
        expect(deadLetter.parentSpanId).toBe(shipping.spanId);
        expect(deadLetter.links).toEqual([{ traceId: tree.traceId, spanId: shipping.spanId, attributes: { [attr.linkReason]: 'dead_letter' } }]);
        expect(deadLetter.attributes).toMatchObject({ [attr.originalTopic]: 'shop.payments.settled', [attr.conversationId]: orderId });

        const settledPublish = only(spans, (s) => s.name === 'publish shop.payments.settled');
        for (const process of spans.filter((s) => s.name === 'process shop.payments.settled')) {
          expect(process.parentSpanId).toBe(settledPublish.spanId);
          expect(process.kind).toBe('consumer');
        }
      }
    } finally {
      await bus.stop({ timeoutMs: 1000 });
      await capture.shutdown();
      await cleanup();
    }
  });
});
