import { monotonicMs } from '@hopbus/core';
import type { DeliveryOwner, SubscribeOptions } from '@hopbus/core';
import type { MessageSink, MessageSource, NatsSettlement } from '../src/MessageSource.js';
import { NatsDelivery } from '../src/NatsDelivery.js';
import { NatsSubscription } from '../src/NatsSubscription.js';

// The subscription's own rules over a scripted source (no server): what it hands out, when its
// settlements reach the source and in what order, and what drain, abort and the source's end
// do. The same rules against a real nats-server are in the conformance and settle suites.

/** A message of the scripted source: just its number. */
type Message = number;

class ScriptedSource implements MessageSource<Message> {
  sink: MessageSink<Message> | undefined;
  readonly applied: [Message, NatsSettlement, number][] = [];
  readonly released: Message[][] = [];
  stops = 0;
  /** Ends the sink as soon as stop() is called (a source that stops at once). */
  endOnStop = true;
  /** Makes settle() throw, as a closed connection does. */
  settleThrows: (message: Message) => boolean = () => false;
  releaseFails = false;

  constructor(readonly inert?: ReadonlySet<NatsSettlement>) {}

  start(sink: MessageSink<Message>): void {
    if (this.sink) throw new Error('started twice');
    this.sink = sink;
  }

  stop(): void {
    this.stops++;
    if (this.endOnStop) this.sink!.end();
  }

  toDelivery(message: Message, owner: DeliveryOwner<NatsDelivery<Message>>, deadline: number): NatsDelivery<Message> {
    const fields = { id: `m${message}`, key: undefined, timestamp: 0, headers: {} };
    return new NatsDelivery('t', fields, new Uint8Array([message]), message, 1, message, owner, deadline);
  }

  settle(message: Message, how: NatsSettlement, delayMs: number): void {
    if (this.settleThrows(message)) throw new Error('connection closed');
    this.applied.push([message, how, delayMs]);
  }

  async release(messages: readonly Message[]): Promise<void> {
    this.released.push([...messages]);
    if (this.releaseFails) throw new Error('connection closed');
  }
}

const options = (maxInFlight = 10, ackTimeoutMs = 30_000): SubscribeOptions => ({ group: 'g', start: 'earliest', maxInFlight, ackTimeoutMs });

function subscribe(source: ScriptedSource, opts: SubscribeOptions = options()) {
  const ended: NatsSubscription<Message>[] = [];
  const subscription = new NatsSubscription(source, opts, (s) => ended.push(s));
  return { subscription, ended };
}

/** What poll() hands out now, by message number. */
function pollAll(subscription: NatsSubscription<Message>): NatsDelivery<Message>[] {
  const got: NatsDelivery<Message>[] = [];
  for (let d = subscription.poll(); d; d = subscription.poll()) got.push(d);
  return got;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('NatsSubscription over a scripted source', () => {
  it('starts its source once and hands out what arrives, in order, each due back within the ack timeout', () => {
    const source = new ScriptedSource();
    const { subscription } = subscribe(source, options(10, 5000));
    expect(source.sink).toBe(subscription);
    for (const n of [1, 2, 3]) source.sink!.push(n);
    const before = monotonicMs();
    const got = pollAll(subscription);
    expect(got.map((d) => d.message)).toEqual([1, 2, 3]);
    for (const d of got) {
      expect(d.deadline).toBeGreaterThanOrEqual(before + 5000 - 1);
      expect(d.deadline).toBeLessThanOrEqual(monotonicMs() + 5000);
    }
  });

  it('wakes a consumer waiting for work when a message arrives', async () => {
    const source = new ScriptedSource();
    const { subscription } = subscribe(source);
    const iterator = subscription[Symbol.asyncIterator]();
    const next = iterator.next();
    source.sink!.push(7);
    const result = await next;
    expect(result.done).toBe(false);
    expect((result.value as NatsDelivery<Message>).message).toBe(7);
  });

  it('applies settlements at the next turn of the event loop, in the order they were made', async () => {
    const source = new ScriptedSource();
    const { subscription } = subscribe(source);
    for (const n of [1, 2, 3, 4]) source.sink!.push(n);
    const [a, b, c, d] = pollAll(subscription);
    b!.ack();
    a!.nack(250);
    c!.term();
    d!.working();
    expect(source.applied).toEqual([]);
    await nextTurn();
    expect(source.applied).toEqual([
      [2, 'ack', 0],
      [1, 'nack', 250],
      [3, 'term', 0],
      [4, 'working', 0],
    ]);
    // A touch of a settled delivery, and a second settle, send nothing.
    b!.working();
    b!.nack();
    await nextTurn();
    expect(source.applied).toHaveLength(4);
  });

  it('applies them at once when 128 wait, and when the queue runs dry', async () => {
    const source = new ScriptedSource();
    const { subscription } = subscribe(source, options(1000));
    for (let n = 0; n < 200; n++) source.sink!.push(n);
    const got: NatsDelivery<Message>[] = [];
    for (let i = 0; i < 199; i++) got.push(subscription.poll()!);
    for (let i = 0; i < 127; i++) got[i]!.ack();
    expect(source.applied).toHaveLength(0);
    got[127]!.ack();
    expect(source.applied).toHaveLength(128);
    got[128]!.ack();
    expect(source.applied).toHaveLength(128);
    expect(subscription.poll()?.message).toBe(199); // the last one: the queue is not dry yet
    expect(source.applied).toHaveLength(128);
    expect(subscription.poll()).toBeUndefined(); // dry: what waits goes now
    expect(source.applied).toHaveLength(129);
    await nextTurn();
    expect(source.applied).toHaveLength(129); // nothing twice
  });

  it('does not queue the settlements its source calls inert', async () => {
    const source = new ScriptedSource(new Set<NatsSettlement>(['ack', 'working']));
    const { subscription } = subscribe(source);
    for (const n of [1, 2, 3]) source.sink!.push(n);
    const [a, b, c] = pollAll(subscription);
    a!.ack();
    b!.working();
    c!.nack(5);
    await nextTurn();
    expect(source.applied).toEqual([[3, 'nack', 5]]);
  });

  it('goes on applying the rest when the source refuses one (its connection closed)', async () => {
    const source = new ScriptedSource();
    source.settleThrows = (m) => m === 2;
    const { subscription } = subscribe(source);
    for (const n of [1, 2, 3]) source.sink!.push(n);
    for (const d of pollAll(subscription)) d.ack();
    await nextTurn();
    expect(source.applied).toEqual([
      [1, 'ack', 0],
      [3, 'ack', 0],
    ]);
  });

  it('fails when its source ends with an error: the iteration stops and closed resolves to it', async () => {
    const source = new ScriptedSource();
    const { subscription, ended } = subscribe(source);
    const iterator = subscription[Symbol.asyncIterator]();
    const next = iterator.next();
    const broken = new Error('consumer deleted');
    source.sink!.end(broken);
    source.sink!.end(new Error('a second end is ignored'));
    expect((await next).done).toBe(true);
    expect(await subscription.closed).toBe(broken);
    expect(ended).toEqual([subscription]);
  });

  it('drains when its source ends by itself: closed resolves once what was handed out is settled', async () => {
    const source = new ScriptedSource();
    const { subscription, ended } = subscribe(source);
    source.sink!.push(1);
    const [one] = pollAll(subscription);
    source.sink!.end();
    let closed = false;
    void subscription.closed.then(() => (closed = true));
    await nextTurn();
    expect(closed).toBe(false);
    one!.ack();
    expect(await subscription.closed).toBeUndefined();
    // Ended: the settle made before it was applied first.
    expect(source.applied).toEqual([[1, 'ack', 0]]);
    expect(ended).toEqual([subscription]);
  });

  it('on drain stops its source once, hands out nothing more, and gives back what was never handed out, in order', async () => {
    const source = new ScriptedSource();
    const { subscription } = subscribe(source);
    for (const n of [1, 2, 3, 4]) source.sink!.push(n);
    const first = subscription.poll()!;
    const draining = subscription.drain();
    void subscription.drain();
    expect(subscription.poll()).toBeUndefined();
    first.ack();
    await draining;
    expect(source.stops).toBe(1);
    expect(source.released).toEqual([[2, 3, 4]]);
    expect(source.applied).toEqual([[1, 'ack', 0]]);
  });

  it('holds back a nack made while the source stops until it has ended, then applies it before giving the rest back', async () => {
    const source = new ScriptedSource();
    source.endOnStop = false; // a JetStream pull: the server lets go of the pull requests later
    const { subscription } = subscribe(source);
    for (const n of [1, 2, 3, 4]) source.sink!.push(n);
    const [one, two] = [subscription.poll()!, subscription.poll()!];
    const draining = subscription.drain();
    one!.nack(0);
    two!.ack();
    await nextTurn();
    expect(source.applied).toEqual([[2, 'ack', 0]]); // the ack went; the nack waits
    expect(source.released).toEqual([]);
    source.sink!.end();
    await draining;
    expect(source.applied).toEqual([
      [2, 'ack', 0],
      [1, 'nack', 0],
    ]);
    expect(source.released).toEqual([[3, 4]]);
  });

  it('applies a nack at once while the source is not stopping', async () => {
    const source = new ScriptedSource();
    source.endOnStop = false;
    const { subscription } = subscribe(source);
    source.sink!.push(1);
    subscription.poll()!.nack(0);
    await nextTurn();
    expect(source.applied).toEqual([[1, 'nack', 0]]);
  });

  it('on abort stops its source and nacks what it handed out, and still ends when giving back fails', async () => {
    const source = new ScriptedSource();
    source.releaseFails = true;
    const { subscription, ended } = subscribe(source);
    for (const n of [1, 2, 3]) source.sink!.push(n);
    const [one, two] = [subscription.poll()!, subscription.poll()!];
    two.ack();
    await subscription.abort();
    expect(one.settled).toBe(true);
    expect(await subscription.closed).toBeUndefined();
    expect(source.applied).toEqual([
      [2, 'ack', 0],
      [1, 'nack', 0],
    ]);
    expect(source.released).toEqual([[3]]);
    expect(source.stops).toBe(1);
    expect(ended).toEqual([subscription]);
  });

  it('does not drain again when its source ends after a drain began', async () => {
    const source = new ScriptedSource();
    const { subscription, ended } = subscribe(source);
    await subscription.drain();
    source.sink!.end(new Error('after the end'));
    expect(await subscription.closed).toBeUndefined();
    expect(ended).toHaveLength(1);
  });
});
