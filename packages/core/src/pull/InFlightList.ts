import type { PullDelivery } from './PullDelivery.js';

/**
 * The deliveries of a group handed out and not yet settled, in the order they were handed out,
 * linked through the deliveries themselves: adding and removing allocate nothing and hash
 * nothing (a Set reallocated its table as deliveries came and went, and those tables outlived
 * the young generation: a tenth of what the runtime promoted to the old one).
 */
export class InFlightList<D extends PullDelivery> implements Iterable<D> {
  private head: D | undefined;
  private tail: D | undefined;
  size = 0;

  add(delivery: D): void {
    delivery.previousInFlight = this.tail;
    delivery.nextInFlight = undefined;
    if (this.tail) this.tail.nextInFlight = delivery;
    else this.head = delivery;
    this.tail = delivery;
    this.size++;
  }

  /** Removes `delivery` if it is in the list. */
  delete(delivery: D): void {
    const { previousInFlight: previous, nextInFlight: next } = delivery;
    if (previous === undefined && this.head !== delivery) return;
    if (previous) previous.nextInFlight = next;
    else this.head = next as D | undefined;
    if (next) next.previousInFlight = previous;
    else this.tail = previous as D | undefined;
    delivery.previousInFlight = undefined;
    delivery.nextInFlight = undefined;
    this.size--;
  }

  /** Visits each delivery once; the one visited may be removed meanwhile. */
  *[Symbol.iterator](): Iterator<D> {
    let delivery = this.head;
    while (delivery) {
      const next = delivery.nextInFlight as D | undefined;
      yield delivery;
      delivery = next;
    }
  }
}
