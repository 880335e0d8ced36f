import { topic } from '@hopbus/core';
import { z } from 'zod';

const OrderPlacedSchema = z.object({
  orderId: z.string(),
  customer: z.string(),
  email: z.string(),
  address: z.string(),
  items: z.number().int().positive(),
  total: z.number().positive(),
});
export type OrderPlaced = z.infer<typeof OrderPlacedSchema>;

export interface PaymentSettled {
  readonly orderId: string;
  readonly amount: number;
  readonly email: string;
  readonly address: string;
}

export interface ShipmentDispatched {
  readonly orderId: string;
  readonly trackingNo: string;
  readonly email: string;
}

/** Placed by the orders service; validated on publish and on receipt. */
export const OrderPlaced = topic<OrderPlaced>('shop.orders.placed', { schema: OrderPlacedSchema });
export const PaymentSettled = topic<PaymentSettled>('shop.payments.settled');
export const ShipmentDispatched = topic<ShipmentDispatched>('shop.shipments.dispatched');
/** Where shipping's failures end up: the same payload, the error in headers. */
export const ShippingFailed = topic<PaymentSettled>(PaymentSettled.deadLetter);
