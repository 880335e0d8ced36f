import { Actor, headerNames, Subscribe } from '@hopbus/core';
import type { MessageContext } from '@hopbus/core';
import { inject } from 'inversify';
import { Story } from './Story.js';
import { ShipmentDispatched, ShippingFailed } from './topics.js';
import type { PaymentSettled } from './topics.js';

/** Tells customers where their order is, and support when one is stuck. */
@Actor('notifications')
export class NotificationService {
  constructor(@inject(Story) private readonly story: Story) {}

  @Subscribe(ShipmentDispatched)
  shipped(shipment: ShipmentDispatched): void {
    this.story.tell('notifications', `${shipment.orderId} mail to ${shipment.email}: on its way, tracking ${shipment.trackingNo}`);
    this.story.ended(shipment.orderId);
  }

  @Subscribe(ShippingFailed)
  stuck(payment: PaymentSettled, ctx: MessageContext): void {
    const error = ctx.headers[headerNames.error] ?? 'unknown error';
    const attempts = ctx.headers[headerNames.attempts] ?? '?';
    this.story.tell('notifications', `${payment.orderId} in the dead letters after ${attempts} attempts (${error}); support will call ${payment.email}`);
    this.story.ended(payment.orderId);
  }
}
