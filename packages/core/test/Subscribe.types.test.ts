// Type-level proof: the test run type-checks this file (`npm run typecheck`); every
// expect-error directive below fails the build if the line after it ever compiles.
import { Actor, Subscribe, topic } from '@hopbus/core';
import type { MessageContext } from '@hopbus/core';

interface OrderPlaced {
  orderId: string;
  total: number;
}
interface Shipped {
  trackingNo: number;
}

const Orders = topic<OrderPlaced>('types.orders');

@Actor('typed')
class TypedService {
  @Subscribe(Orders)
  matching(order: OrderPlaced, ctx: MessageContext): void {
    void order.total;
    void ctx.id;
  }

  @Subscribe(Orders)
  wider(order: { orderId: string }): void {
    void order;
  }

  // @ts-expect-error the payload parameter does not accept the topic's type
  @Subscribe(Orders)
  wrong(shipped: Shipped): void {
    void shipped;
  }

  // @ts-expect-error a key function must read the topic's payload
  @Subscribe(Orders, { key: (s: Shipped) => String(s.trackingNo) })
  wrongKey(order: OrderPlaced): void {
    void order;
  }
}

it('compiles only handlers that accept the topic payload (checked by tsc)', () => {
  expect(typeof TypedService.prototype.matching).toBe('function');
});
