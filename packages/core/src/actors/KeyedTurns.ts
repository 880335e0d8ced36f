/**
 * Runs work one at a time per key, in call order: a keyed actor's turns, whichever handler
 * (topic) they come from, never interleave at an await.
 */
export class KeyedTurns {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key);
    const result = before === undefined ? work() : before.then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** True while a turn of `key` runs or waits. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }
}
