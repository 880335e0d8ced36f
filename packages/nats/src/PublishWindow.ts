/**
 * A counting semaphore over publishes awaiting their PubAck: publishes are pipelined (many on
 * the wire at once), and at most `size` wait for an ack, so a stalled server cannot make the
 * client buffer without bound. Waiters are served in arrival order.
 */
export class PublishWindow {
  private inFlight = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly size: number) {}

  /** Resolves once a slot is free; pair every acquire with one release. */
  acquire(): Promise<void> | undefined {
    if (this.inFlight < this.size) {
      this.inFlight++;
      return undefined;
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.inFlight--;
  }
}
