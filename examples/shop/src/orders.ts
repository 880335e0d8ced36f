import type { OrderPlaced } from './topics.js';

/** Today's orders: one plain, one whose card is declined twice, one to an address no carrier serves. */
export const todaysOrders: readonly OrderPlaced[] = [
  { orderId: 'o-1001', customer: 'Ada', email: 'ada@example.com', address: '12 Analytical Row, London', items: 2, total: 42 },
  { orderId: 'o-1002', customer: 'Grace', email: 'grace@example.com', address: '7 Cobol Lane, Arlington', items: 1, total: 19.99 },
  { orderId: 'o-1003', customer: 'Nemo', email: 'nemo@example.com', address: '1 Deep Street, Atlantis', items: 3, total: 77 },
  { orderId: 'o-1004', customer: 'Linus', email: 'linus@example.com', address: '3 Kernel Road, Helsinki', items: 5, total: 120 },
];

/** `count` orders: today's four, then the same customers order again under the next ids (o-1005, o-1006, ...). */
export function ordersOfTheDay(count: number): OrderPlaced[] {
  return Array.from({ length: count }, (_, i) => ({ ...todaysOrders[i % todaysOrders.length]!, orderId: `o-${1001 + i}` }));
}
