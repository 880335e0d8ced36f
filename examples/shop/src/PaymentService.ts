import { Actor, Publishes, Subscribe } from '@hopbus/core';
import type { MessageContext, Publisher } from '@hopbus/core';
import { inject } from 'inversify';
import { PaymentGateway } from './PaymentGateway.js';
import { Story } from './Story.js';
import { OrderPlaced, PaymentSettled } from './topics.js';

/** Charges each placed order; a declined card is retried in place with back-off. */
@Actor('payments')
export class PaymentService {
  @Publishes(PaymentSettled) private readonly settled!: Publisher<PaymentSettled>;

  constructor(
    @inject(PaymentGateway) private readonly gateway: PaymentGateway,
    @inject(Story) private readonly story: Story,
  ) {}

  @Subscribe(OrderPlaced, { concurrency: 4, retry: { attempts: 3, initialDelayMs: 50, maxDelayMs: 200 } })
  async charge(order: OrderPlaced, ctx: MessageContext): Promise<void> {
    try {
      this.gateway.charge(order.orderId, order.total);
    } catch (error) {
      this.story.tell('payments', `${order.orderId} ${(error as Error).message} (attempt ${ctx.attempt} of 3), retrying`);
      throw error;
    }
    this.story.tell('payments', `${order.orderId} charged ${order.total.toFixed(2)} EUR${ctx.attempt > 1 ? ` on attempt ${ctx.attempt}` : ''}`);
    await this.settled.publish({ orderId: order.orderId, amount: order.total, email: order.email, address: order.address }, { key: order.orderId });
  }
}
