import { Actor, Publishes } from '@hopbus/core';
import type { Publisher } from '@hopbus/core';
import { inject } from 'inversify';
import { Story } from './Story.js';
import { OrderPlaced } from './topics.js';

/** Takes orders from the shop front and announces them. */
@Actor('orders')
export class OrderService {
  @Publishes(OrderPlaced) private readonly placed!: Publisher<OrderPlaced>;

  constructor(@inject(Story) private readonly story: Story) {}

  async place(order: OrderPlaced): Promise<void> {
    this.story.tell('orders', `${order.orderId} placed by ${order.customer}: ${order.items} item(s), ${order.total.toFixed(2)} EUR`);
    await this.placed.publish(order, { key: order.orderId });
  }
}
