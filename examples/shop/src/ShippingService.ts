import { Actor, Publishes, Subscribe } from '@hopbus/core';
import type { MessageContext, Publisher } from '@hopbus/core';
import { inject } from 'inversify';
import { Story } from './Story.js';
import { PaymentSettled, ShipmentDispatched } from './topics.js';

/** Ships paid orders. An address it cannot serve fails every attempt: the order ends in the dead letters. */
@Actor('shipping')
export class ShippingService {
  @Publishes(ShipmentDispatched) private readonly dispatched!: Publisher<ShipmentDispatched>;

  constructor(@inject(Story) private readonly story: Story) {}

  @Subscribe(PaymentSettled, { concurrency: 4, retry: { attempts: 2, initialDelayMs: 20, maxDelayMs: 50 } })
  async ship(payment: PaymentSettled, ctx: MessageContext): Promise<void> {
    if (payment.address.includes('Atlantis')) {
      if (ctx.attempt === 1) this.story.tell('shipping', `${payment.orderId} no carrier delivers to ${payment.address}`);
      throw new Error(`no carrier delivers to ${payment.address}`);
    }
    const trackingNo = `TRK-${payment.orderId.replace(/\D/g, '')}`;
    this.story.tell('shipping', `${payment.orderId} dispatched, tracking ${trackingNo}`);
    await this.dispatched.publish({ orderId: payment.orderId, trackingNo, email: payment.email }, { key: payment.orderId });
  }
}
