/**
 * Messages in arrival order, taken from the front in O(1). A plain array's shift() moves every
 * element behind it: a core NATS subscriber that falls behind holds tens of thousands, and took
 * each one at a cost growing with the backlog. Taken slots are dropped in one splice once they
 * are the larger half.
 */
export class ArrivalQueue<M> {
  private items: M[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: M): void {
    this.items.push(item);
  }

  shift(): M | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head++] = undefined as M; // let it be collected
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns every waiting item, in order. */
  takeAll(): M[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rest;
  }
}
