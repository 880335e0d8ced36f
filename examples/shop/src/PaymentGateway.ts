import { injectable } from 'inversify';

/** A card processor that declines an order's first two attempts when its total ends in .99. */
@injectable()
export class PaymentGateway {
  private readonly attempts = new Map<string, number>();

  charge(orderId: string, amount: number): void {
    const attempt = (this.attempts.get(orderId) ?? 0) + 1;
    this.attempts.set(orderId, attempt);
    if (Math.round(amount * 100) % 100 === 99 && attempt <= 2) {
      throw new Error(`card declined by the bank (try ${attempt})`);
    }
  }
}
