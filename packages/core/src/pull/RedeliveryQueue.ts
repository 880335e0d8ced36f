import { MinHeap } from '../util/MinHeap.js';

interface Pending<T> {
  readonly item: T;
  readonly readyAt: number;
}

/**
 * Records handed back for redelivery: take() returns the first due one in the group's order
 * (offset order), in O(log n). Waiting records sit in a heap by due time and move to a heap in
 * order once due, so handing back thousands at once (a consumer that stops) stays cheap.
 */
export class RedeliveryQueue<T> {
  private readonly waiting = new MinHeap<Pending<T>>((a, b) => a.readyAt < b.readyAt);
  private readonly due: MinHeap<T>;

  /** `before(a, b)`: a is redelivered before b when both are due. */
  constructor(before: (a: T, b: T) => boolean) {
    this.due = new MinHeap(before);
  }

  get size(): number {
    return this.waiting.size + this.due.size;
  }

  add(item: T, readyAt: number): void {
    this.waiting.push({ item, readyAt });
  }

  /** The first item due at `at`, removed; undefined when none is due. */
  take(at: number): T | undefined {
    for (let next = this.waiting.peek(); next !== undefined && next.readyAt <= at; next = this.waiting.peek()) {
      this.waiting.pop();
      this.due.push(next.item);
    }
    return this.due.pop();
  }

  /**
   * The earliest due time among the items take() has not found due yet, or undefined: after
   * take(at), when the next wake-up is needed.
   */
  nextReadyAt(): number | undefined {
    return this.waiting.peek()?.readyAt;
  }

  /** Every item held, due or not, in no particular order. */
  *values(): IterableIterator<T> {
    yield* this.due.values();
    for (const pending of this.waiting.values()) yield pending.item;
  }

  clear(): void {
    this.waiting.clear();
    this.due.clear();
  }
}
