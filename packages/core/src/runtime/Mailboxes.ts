/**
 * Runs work per key: items with one key one at a time, in arrival order; different keys in
 * parallel, at most `concurrency` at once. Items without a key may run in any order. Work
 * waiting for a slot is served in arrival order. `work` must never reject; work that finishes
 * synchronously returns undefined and costs no promise.
 *
 * Up to `concurrency` worker loops each take the next ready unit (a key's mailbox, served until
 * empty, or one keyless item), so a burst costs one async loop per slot, not one per item.
 */
export class Mailboxes<Item extends object> {
  private readonly boxes = new Map<string, Item[]>();
  /** Ready units in arrival order: a key (a string) whose mailbox waits, or a keyless item (an object). */
  private readonly ready: (string | Item)[] = [];
  private readyHead = 0;
  private workers = 0;
  private idleWaiters: (() => void)[] = [];

  /** Items held, running or queued. */
  size = 0;

  constructor(
    private readonly concurrency: number,
    /** Returns a promise when the item is not done yet; undefined when it finished synchronously. */
    private readonly work: (item: Item) => Promise<void> | undefined,
  ) {}

  push(key: string | undefined, item: Item): void {
    this.size++;
    if (this.workers < this.concurrency && (key === undefined || !this.boxes.has(key))) {
      this.runNow(key, item);
      return;
    }
    if (key === undefined) {
      this.ready.push(item);
    } else {
      const box = this.boxes.get(key);
      if (box) {
        box.push(item);
        return;
      }
      this.boxes.set(key, [item]);
      this.ready.push(key);
    }
    if (this.workers < this.concurrency) {
      this.workers++;
      this.serve();
    }
  }

  /**
   * A free slot means nothing waits for one (a worker leaves only when nothing is ready): run the
   * item at once, and give its key a mailbox only if the work has to wait.
   */
  private runNow(key: string | undefined, item: Item): void {
    this.workers++;
    const pending = this.work(item);
    if (pending === undefined) {
      this.size--;
      this.workers--;
      this.notifyIfIdle();
      return;
    }
    let finished: Promise<void>;
    if (key === undefined) {
      finished = pending.then(this.itemDone);
    } else {
      const box = [item];
      this.boxes.set(key, box);
      finished = pending.then(() => this.nextInBox(key, box));
    }
    void finished.then(() => this.serve());
  }

  /** Calls `fn` for every item held in a mailbox or waiting for a slot (running keyed items included). */
  forEachHeld(fn: (item: Item) => void): void {
    for (let i = this.readyHead; i < this.ready.length; i++) {
      const unit = this.ready[i]!;
      if (typeof unit !== 'string') fn(unit);
    }
    for (const box of this.boxes.values()) for (const item of box) fn(item);
  }

  /** Removes and returns every item not yet started. */
  takeQueued(): Item[] {
    const taken: Item[] = [];
    for (let i = this.readyHead; i < this.ready.length; i++) {
      const unit = this.ready[i]!;
      if (typeof unit === 'string') {
        taken.push(...this.boxes.get(unit)!);
        this.boxes.delete(unit);
      } else {
        taken.push(unit);
      }
    }
    this.ready.length = 0;
    this.readyHead = 0;
    // Mailboxes being served keep their running head item.
    for (const box of this.boxes.values()) taken.push(...box.splice(1));
    this.size -= taken.length;
    this.notifyIfIdle();
    return taken;
  }

  /** Resolves when nothing is running or queued. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private nextUnit(): string | Item | undefined {
    if (this.readyHead >= this.ready.length) return undefined;
    const unit = this.ready[this.readyHead++];
    if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready.splice(0, this.readyHead);
      this.readyHead = 0;
    }
    return unit;
  }

  /**
   * Serves ready units until none is left: synchronously while the work finishes synchronously
   * (no promise at all), and from the first pending work on, continues when it settles.
   */
  private serve(): void {
    for (let unit = this.nextUnit(); unit !== undefined; unit = this.nextUnit()) {
      const pending = typeof unit === 'string' ? this.serveBox(unit) : this.serveItem(unit);
      if (pending) {
        void pending.then(() => this.serve());
        return;
      }
    }
    this.workers--;
    this.notifyIfIdle();
  }

  private serveItem(item: Item): Promise<void> | undefined {
    const pending = this.work(item);
    if (pending) return pending.then(this.itemDone);
    this.size--;
    return undefined;
  }

  private readonly itemDone = (): void => {
    this.size--;
  };

  /** Runs a key's mailbox until it is empty, then forgets the key; a promise if it had to wait. */
  private serveBox(key: string): Promise<void> | undefined {
    const box = this.boxes.get(key);
    if (!box) return undefined;
    while (box.length > 0) {
      const pending = this.work(box[0]!);
      if (pending) return pending.then(() => this.nextInBox(key, box));
      box.shift();
      this.size--;
    }
    this.boxes.delete(key);
    return undefined;
  }

  /** The head of `key`'s mailbox finished after waiting: drop it and go on with the rest. */
  private nextInBox(key: string, box: Item[]): Promise<void> | undefined {
    box.shift();
    this.size--;
    return this.serveBox(key);
  }

  private notifyIfIdle(): void {
    if (this.size !== 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
