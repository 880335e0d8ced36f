import type { Delivery, Subscription } from '@hopbus/core';

/** Reads deliveries from a subscription with a deadline, so a broken transport fails a test instead of hanging it. */
export class Receiver {
  private readonly iterator: AsyncIterator<Delivery>;
  private pending: Promise<IteratorResult<Delivery>> | undefined;

  constructor(readonly subscription: Subscription) {
    this.iterator = subscription[Symbol.asyncIterator]();
  }

  /** The next delivery, or undefined when none came within `timeoutMs` or the subscription ended. */
  async next(timeoutMs = 5000): Promise<Delivery | undefined> {
    this.pending ??= this.iterator.next();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const result = await Promise.race([this.pending, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') return undefined;
    this.pending = undefined;
    return result.done ? undefined : result.value;
  }

  /** Takes `count` deliveries (acking each when `ack` is set); stops early when none comes within `timeoutMs`. */
  async take(count: number, options: { ack?: boolean; timeoutMs?: number } = {}): Promise<Delivery[]> {
    const taken: Delivery[] = [];
    while (taken.length < count) {
      const delivery = await this.next(options.timeoutMs ?? 5000);
      if (!delivery) break;
      if (options.ack) delivery.ack();
      taken.push(delivery);
    }
    return taken;
  }
}
