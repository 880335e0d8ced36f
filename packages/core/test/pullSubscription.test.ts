import { monotonicMs } from '../src/util/monotonicMs.js';
import { PullGroup } from '../src/pull/PullGroup.js';
import { PullDelivery } from '../src/pull/PullDelivery.js';
import type { DeliveryOwner, Settlement } from '../src/pull/PullDelivery.js';
import { PullSubscription } from '../src/pull/PullSubscription.js';
import { RedeliveryQueue } from '../src/pull/RedeliveryQueue.js';
import type { Delivery } from '../src/transport/Transport.js';

// The pull machinery every transport shares, over a list the test fills: the pull window, what
// settling does once and only once, drain and abort, and the group's timers.

class ListDelivery extends PullDelivery implements Delivery {
  readonly id: string;
  readonly topic = 't';
  readonly key = undefined;
  readonly headers = {};
  readonly data = new Uint8Array();
  readonly timestamp = 0;
  readonly partition = 0;
  readonly deliveryCount = 1;
  constructor(
    readonly offset: number,
    owner: DeliveryOwner<ListDelivery>,
    deadline: number,
  ) {
    super(owner as DeliveryOwner<PullDelivery>, deadline);
    this.id = `m${offset}`;
  }
}

/** A group over a list of offsets; records what settling released, with a redelivery queue it owns. */
class ListGroup extends PullGroup<ListDelivery> {
  readonly waiting: number[] = [];
  readonly released: string[] = [];
  readonly back = new RedeliveryQueue<number>((a, b) => a < b);
  add(...offsets: number[]): void {
    this.waiting.push(...offsets);
    this.wakeAll();
  }
  handBackAfter(offset: number, delayMs: number): void {
    this.handBack(this.back, offset, delayMs);
  }
  due(): number | undefined {
    return this.takeDue(this.back);
  }
}

class ListSubscription extends PullSubscription<ListDelivery, ListGroup> {
  ended = 0;
  constructor(group: ListGroup, maxInFlight = 10, ackTimeoutMs = 1000) {
    super(group, { group: 'g', start: 'earliest', maxInFlight, ackTimeoutMs }, () => this.ended++);
  }
  protected take(at: number): ListDelivery | undefined {
    const offset = this.group.waiting.shift();
    return offset === undefined ? undefined : new ListDelivery(offset, this, at + this.options.ackTimeoutMs);
  }
  protected release(delivery: ListDelivery, how: Settlement, delayMs: number): void {
    this.group.released.push(`${how} ${delivery.offset} ${delayMs}`);
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('PullSubscription', () => {
  it('holds at most maxInFlight unsettled deliveries, each in the group\'s in-flight list, its deadline the ack timeout away', () => {
    const group = new ListGroup();
    const sub = new ListSubscription(group, 2, 500);
    group.add(1, 2, 3);
    const before = monotonicMs();
    const [a, b] = [sub.poll()!, sub.poll()!];
    expect(sub.poll()).toBeUndefined();
    expect([...group.inFlight].map((d) => d.offset)).toEqual([1, 2]);
    expect(a.deadline).toBeGreaterThanOrEqual(before + 500 - 1);
    expect(a.deadline).toBeLessThanOrEqual(monotonicMs() + 500);
    a.ack();
    expect([...group.inFlight].map((d) => d.offset)).toEqual([2]);
    expect(sub.poll()?.offset).toBe(3);
    b.nack(25);
    expect(group.released).toEqual(['ack 1 0', 'nack 2 25']);
  });

  it('settles once: later calls on a settled delivery release nothing and free no second slot', () => {
    const group = new ListGroup();
    const sub = new ListSubscription(group, 1);
    group.add(1, 2, 3);
    const first = sub.poll()!;
    first.ack();
    first.ack();
    first.nack();
    first.term();
    expect(group.released).toEqual(['ack 1 0']);
    const second = sub.poll()!;
    expect(sub.poll()).toBeUndefined(); // still one slot: the repeated settles gave none back
    second.term();
    expect(group.released).toEqual(['ack 1 0', 'term 2 0']);
  });

  it('moves a deadline on working(), not once the delivery is settled', async () => {
    const group = new ListGroup();
    const sub = new ListSubscription(group, 5, 10_000);
    group.add(1);
    const d = sub.poll()!;
    d.deadline = 0;
    d.working();
    expect(d.deadline).toBeGreaterThan(monotonicMs() + 9_000);
    d.ack();
    d.deadline = 0;
    d.working();
    expect(d.deadline).toBe(0);
  });

  it('iterates: waits for the group to wake it, and ends when drained once every delivery is settled', async () => {
    const group = new ListGroup();
    const sub = new ListSubscription(group);
    const it = sub[Symbol.asyncIterator]();
    const next = it.next();
    group.add(7);
    const got = await next;
    expect((got.value as ListDelivery).offset).toBe(7);
    let closed = false;
    void sub.closed.then(() => (closed = true));
    const draining = sub.drain();
    expect(sub.poll()).toBeUndefined();
    await turn();
    expect([closed, sub.ended]).toEqual([false, 0]); // 7 is still held
    (got.value as ListDelivery).ack();
    await draining;
    expect([closed, sub.ended]).toEqual([true, 1]);
    expect((await it.next()).done).toBe(true);
    await sub.drain();
    expect(sub.ended).toBe(1);
  });

  it('ends the iteration through return(), which drains', async () => {
    const group = new ListGroup();
    const sub = new ListSubscription(group);
    const it = sub[Symbol.asyncIterator]();
    expect(await it.return!()).toEqual({ done: true, value: undefined });
    expect(sub.ended).toBe(1);
  });

  it('ends with the group\'s failure: the iteration stops and closed resolves to it', async () => {
    const group = new ListGroup();
    const sub = new ListSubscription(group);
    group.add(1);
    const it = sub[Symbol.asyncIterator]();
    await it.next();
    const broken = new Error('corrupt');
    group.failure = broken;
    expect(sub.poll()).toBeUndefined();
    const after = it.next();
    group.wakeAll();
    expect((await after).done).toBe(true);
    // drained: the one held is still out; it ends once settled
    for (const d of [...group.inFlight]) d.ack();
    expect(await sub.closed).toBe(broken);
  });

  it('on abort hands back what it holds, not what another subscription of the group holds, and ends at once', async () => {
    const group = new ListGroup();
    const mine = new ListSubscription(group);
    const theirs = new ListSubscription(group);
    group.add(1, 2, 3);
    mine.poll();
    theirs.poll();
    mine.poll();
    mine.abort();
    expect(group.released).toEqual(['nack 1 0', 'nack 3 0']);
    expect(mine.ended).toBe(1);
    expect(await mine.closed).toBeUndefined();
    expect(mine.poll()).toBeUndefined();
    expect([...group.inFlight].map((d) => d.offset)).toEqual([2]);
    mine.abort();
    expect(mine.ended).toBe(1);
  });
});

describe('PullGroup', () => {
  it('wakes its consumers at once for a hand-back due now, and at its time for a later one', async () => {
    const group = new ListGroup();
    let woken = 0;
    const stop = group.waitForWork(() => woken++);
    group.handBackAfter(1, 0);
    expect(woken).toBe(1);
    group.handBackAfter(2, 30);
    expect(woken).toBe(1);
    expect(group.due()).toBe(1);
    expect(group.due()).toBeUndefined(); // 2 is not due yet
    const start = monotonicMs();
    while (woken < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(monotonicMs() - start).toBeGreaterThanOrEqual(20);
    expect(group.due()).toBe(2);
    stop();
    group.handBackAfter(3, 0);
    expect(woken).toBe(2); // stopped waiting: not woken again
    expect(group.due()).toBe(3);
    expect(group.due()).toBeUndefined();
  });

  it('keeps one timer for the earliest hand-back: a later one does not push it back, an earlier one brings it forward', async () => {
    const group = new ListGroup();
    const wakes: number[] = [];
    group.waitForWork(() => wakes.push(monotonicMs()));
    const start = monotonicMs();
    group.handBackAfter(1, 20_000);
    group.handBackAfter(2, 20); // brings the wake-up forward
    group.handBackAfter(3, 40_000); // leaves it
    while (wakes.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(wakes[0]! - start).toBeLessThan(20_000);
    expect(group.due()).toBe(2);
    group.close();
  });

  it('sweeps the ack deadlines of what is in flight, once per interval with one timer, and stops at close', async () => {
    const group = new ListGroup();
    const sub = new ListSubscription(group, 10, 1);
    group.add(1, 2);
    const [a, b] = [sub.poll()!, sub.poll()!];
    b.deadline = Number.MAX_SAFE_INTEGER;
    const expired: number[] = [];
    group.startSweeping(5, (d) => expired.push(d.offset));
    group.startSweeping(5, (d) => expired.push(-d.offset)); // a second start keeps the first sweep
    while (expired.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(new Set(expired)).toEqual(new Set([1]));
    a.ack();
    group.close();
    const seen = expired.length;
    b.deadline = 0; // due now: a sweep still running would report it
    await new Promise((resolve) => setTimeout(resolve, 30)); // a later timer than the sweep's: it would have run first
    expect(expired.length).toBe(seen);
    let woken = 0;
    group.waitForWork(() => woken++);
    group.close();
    expect(woken).toBe(1);
  });
});
