/**
 * Runs work per key: items with one key one at a time, in arrival order; different keys in
 * parallel, at most `concurrency` keys at once. Keys waiting for a slot are served in the
 * order they arrived. `work` must never reject.
 */
export class Mailboxes<Item> {
  private readonly boxes = new Map<string, Item[]>();
  private readonly waiting: string[] = [];
  private running = 0;
  private anonymous = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly work: (item: Item) => Promise<void>,
  ) {}

  /** Items held, running or queued. */
  size = 0;

  push(key: string | undefined, item: Item): void {
    const box = key ?? `\u0000${this.anonymous++}`;
    this.size++;
    const queue = this.boxes.get(box);
    if (queue) {
      queue.push(item);
      return;
    }
    this.boxes.set(box, [item]);
    if (this.running < this.concurrency) this.run(box);
    else this.waiting.push(box);
  }

  /** Removes and returns every item not yet started. */
  takeQueued(): Item[] {
    const taken: Item[] = [];
    for (const box of this.waiting) {
      taken.push(...this.boxes.get(box)!);
      this.boxes.delete(box);
    }
    this.waiting.length = 0;
    for (const queue of this.boxes.values()) taken.push(...queue.splice(1));
    this.size -= taken.length;
    this.notifyIfIdle();
    return taken;
  }

  /** Resolves when nothing is running or queued. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private run(box: string): void {
    this.running++;
    void this.serve(box);
  }

  private async serve(box: string): Promise<void> {
    const queue = this.boxes.get(box)!;
    while (queue.length > 0) {
      await this.work(queue[0]!);
      queue.shift();
      this.size--;
    }
    this.boxes.delete(box);
    this.running--;
    const next = this.waiting.shift();
    if (next !== undefined) this.run(next);
    this.notifyIfIdle();
  }

  private notifyIfIdle(): void {
    if (this.size !== 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
