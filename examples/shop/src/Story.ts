import { injectable } from 'inversify';

/** Prints what happens to the orders, one line per event, and counts the endings. */
@injectable()
export class Story {
  private readonly endings = new Set<string>();
  private waiters: (() => void)[] = [];
  constructor(private readonly print: (line: string) => void = (line) => console.log(line)) {}

  tell(actor: string, line: string): void {
    this.print(`${`[${actor}]`.padEnd(16)}${line}`);
  }

  /** An order reached its end (notified as shipped, or as failed). */
  ended(orderId: string): void {
    this.endings.add(orderId);
    for (const wake of this.waiters) wake();
  }

  async untilEnded(orderIds: readonly string[], timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!orderIds.every((id) => this.endings.has(id))) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.waiters = [];
    }
    return true;
  }
}
