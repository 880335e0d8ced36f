export type Settlement = 'ack' | 'nack' | 'term';

/** Where a delivery reports when it is settled or touched. */
export interface DeliveryOwner<D> {
  settle(delivery: D, how: Settlement, delayMs: number): void;
  touch(delivery: D): void;
}

/**
 * The settling half of a delivery handed out by a PullSubscription: ack, nack, term and working
 * go to the owner, which settles on the first of ack, nack, term and ignores later calls. A
 * transport's delivery extends it and supplies the record fields of Delivery.
 */
export abstract class PullDelivery {
  settled = false;
  /** Links of the group's InFlightList while handed out and unsettled. */
  previousInFlight: PullDelivery | undefined = undefined;
  nextInFlight: PullDelivery | undefined = undefined;

  constructor(
    readonly owner: DeliveryOwner<PullDelivery>,
    /** When the ack timeout falls due (monotonicMs()), unless settled or touched before. */
    public deadline: number,
  ) {}

  ack(): void {
    this.owner.settle(this, 'ack', 0);
  }

  nack(delayMs = 0): void {
    this.owner.settle(this, 'nack', delayMs);
  }

  term(): void {
    this.owner.settle(this, 'term', 0);
  }

  working(): void {
    this.owner.touch(this);
  }
}
