import { Actor, createBus, MemoryTransport, Publishes, silentLogger, Subscribe, topic } from '@hopbus/core';
import type { Publisher } from '@hopbus/core';
import { captureSpans, FlowGraph } from '@hopbus/tracing';
import type { FlowSpan } from '@hopbus/tracing';

interface Order {
  orderId: string;
}

const Placed = topic<Order>('shop.orders.placed');
const Accepted = topic<Order>('shop.orders.accepted');
const Settled = topic<Order>('shop.payments.settled');

/**
 * Runs a shop on MemoryTransport with a real SDK: orders → payments (fails once per order,
 * retried) → shipping (always fails: dead letter) and notifications. Returns the spans of
 * `orders` orders and the FlowGraph fed live by its span processor.
 */
export async function shopTraces(orders = 3): Promise<{ spans: FlowSpan[]; live: FlowGraph }> {
  const live = new FlowGraph();
  const capture = captureSpans({ spanProcessors: [live.spanProcessor()] });
  const declined = new Set<string>();
  @Actor('orders')
  class Orders {
    @Publishes(Accepted) private readonly accepted!: Publisher<Order>;
    @Subscribe(Placed) async accept(order: Order): Promise<void> {
      await this.accepted.publish(order);
    }
  }
  @Actor('payments')
  class Payments {
    @Publishes(Settled) private readonly settled!: Publisher<Order>;
    @Subscribe(Accepted, { retry: { attempts: 3, initialDelayMs: 2 } }) async charge(order: Order): Promise<void> {
      if (!declined.has(order.orderId)) {
        declined.add(order.orderId);
        throw new Error('card declined');
      }
      await this.settled.publish(order);
    }
  }
  @Actor('shipping')
  class Shipping {
    @Subscribe(Settled, { retry: { attempts: 1 } }) ship(): void {
      throw new Error('no courier');
    }
  }
  @Actor('notifications')
  class Notifications {
    @Subscribe(Settled) notify(): void {}
  }
  const bus = await createBus({ transport: new MemoryTransport(), services: [Orders, Payments, Shipping, Notifications], logger: silentLogger });
  try {
    await bus.start();
    for (let i = 1; i <= orders; i++) await bus.publish(Placed, { orderId: `o-${i}` });
    const deadline = Date.now() + 10_000;
    while (capture.spans().length < 8 * orders) {
      if (Date.now() > deadline) throw new Error(`timed out: ${capture.spans().length} spans of ${8 * orders}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return { spans: capture.flowSpans(), live };
  } finally {
    await bus.stop({ timeoutMs: 1000 });
    await capture.shutdown();
  }
}
