import { randomBytes, randomUUID } from 'node:crypto';
import { HopbusError } from '@hopbus/core';
import type { Delivery, SubscribeOptions, Transport, TransportFeatures } from '@hopbus/core';
import { makeRecord, numberOf } from './makeRecord.js';
import { Receiver } from './receive.js';

/** How the suite gets transports. */
export interface ConformanceHarness {
  /** A transport over fresh, empty storage (not yet connected). */
  create(): Promise<Transport>;
  /** A new transport over the storage of one that was closed: required when `persistent`. */
  reopen?(closed: Transport): Promise<Transport>;
  /**
   * Moves `group` of `topic` back, to its earliest record or to the first record at or after a
   * time (ms since the epoch): required when `replay`.
   */
  replay?(transport: Transport, topic: string, group: string, to: ReplayTarget): Promise<void>;
  /** Called once after all cases. */
  cleanup?(): Promise<void>;
}

/** Where the replay case moves a group. */
export type ReplayTarget = 'earliest' | { readonly timestamp: number };

export interface ConformanceFeatures extends TransportFeatures {
  /** The largest payload the transport must carry (default 1 MiB, the runtime's default limit). */
  readonly maxPayloadBytes?: number;
  /** Its subscriptions offer `poll()` (default true; every hopbus transport does, through PullSubscription). */
  readonly poll?: boolean;
}

const maxPayloadDefault = 1024 * 1024;

/**
 * The one suite every transport must pass (after watermill's universal pub/sub tests). A case
 * that the features rule out is registered as skipped, so the report shows it.
 */
export function describeTransportConformance(name: string, features: ConformanceFeatures, harness: ConformanceHarness): void {
  describe(`transport conformance: ${name}`, () => {
    const open = new Set<Transport>();
    let topicCounter = 0;

    const freshTopic = (label: string): string => `conf.${label}.${randomUUID().slice(0, 8)}.${++topicCounter}`;
    const options = (overrides: Partial<SubscribeOptions> = {}): SubscribeOptions => ({
      group: `g-${randomUUID().slice(0, 8)}`,
      start: 'earliest',
      maxInFlight: 1000,
      ackTimeoutMs: 30_000,
      ...overrides,
    });
    const transport = async (): Promise<Transport> => {
      const created = await harness.create();
      await created.connect();
      open.add(created);
      return created;
    };

    afterEach(async () => {
      for (const t of open) await t.close();
      open.clear();
    });
    afterAll(async () => {
      await harness.cleanup?.();
    });

    const when = (condition: boolean): jest.It => (condition ? it : it.skip);

    it('delivers a published record with every field intact', async () => {
      const t = await transport();
      const topic = freshTopic('roundtrip');
      const sent = makeRecord(topic, 1, { key: 'k-1', headers: { 'x-trace': 'abc' } });
      await t.publish([sent]);
      const receiver = new Receiver(await t.subscribe(topic, options()));
      const got = await receiver.next();
      expect(got).toBeDefined();
      expect(got!.id).toBe(sent.id);
      expect(got!.topic).toBe(topic);
      expect(got!.key).toBe('k-1');
      expect(got!.headers['x-trace']).toBe('abc');
      expect(Buffer.from(got!.data).equals(Buffer.from(sent.data))).toBe(true);
      expect(got!.timestamp).toBe(sent.timestamp);
      expect(got!.deliveryCount).toBe(1);
      expect(typeof got!.offset).toBe('number');
      expect(typeof got!.partition).toBe('number');
      got!.ack();
    });

    it('keeps headers byte-exact, unicode included', async () => {
      const t = await transport();
      const topic = freshTopic('headers');
      const headers = { 'x-unicode': 'héllo 世界 🚀', 'x-empty': '', 'x-spaces': '  a  b  ', 'x-quote': '"q";=,' };
      await t.publish([makeRecord(topic, 1, { headers })]);
      const got = await new Receiver(await t.subscribe(topic, options())).next();
      expect(got).toBeDefined();
      for (const [name, value] of Object.entries(headers)) expect(got!.headers[name]).toBe(value);
      got!.ack();
    });

    it('carries an empty payload and a maximum-size payload', async () => {
      const t = await transport();
      const topic = freshTopic('sizes');
      const big = randomBytes(features.maxPayloadBytes ?? maxPayloadDefault);
      await t.publish([makeRecord(topic, 1, { data: new Uint8Array(0) })]);
      await t.publish([makeRecord(topic, 2, { data: big })]);
      const got = await new Receiver(await t.subscribe(topic, options())).take(2, { ack: true });
      expect(got.map((d) => d.data.byteLength)).toEqual([0, big.byteLength]);
      expect(Buffer.from(got[1]!.data).equals(big)).toBe(true);
    });

    when(features.orderedPerKey)('delivers records with one key in publish order', async () => {
      const t = await transport();
      const topic = freshTopic('order');
      const keys = ['a', 'b', 'c'];
      for (let batch = 0; batch < 10; batch++) {
        const records = [];
        for (let i = 0; i < 60; i++) {
          const n = batch * 60 + i;
          records.push(makeRecord(topic, n, { key: keys[n % keys.length]! }));
        }
        await t.publish(records);
      }
      const got = await new Receiver(await t.subscribe(topic, options())).take(600, { ack: true });
      expect(got).toHaveLength(600);
      for (const key of keys) {
        const seen = got.filter((d) => d.key === key).map(numberOf);
        expect(seen).toEqual([...seen].sort((x, y) => x - y));
        expect(seen).toHaveLength(200);
      }
    });

    when(features.consumerGroups)('shares a group between consumers with no loss and no duplicates', async () => {
      const t = await transport();
      const topic = freshTopic('share');
      const total = 1000;
      await t.publish(Array.from({ length: total }, (_, n) => makeRecord(topic, n, { key: `k${n % 16}` })));
      const shared = options({ maxInFlight: 10 });
      const a = new Receiver(await t.subscribe(topic, shared));
      const b = new Receiver(await t.subscribe(topic, shared));
      const seen: number[] = [];
      const drainInto = async (r: Receiver): Promise<void> => {
        for (;;) {
          const d = await r.next(1500);
          if (!d) return;
          seen.push(numberOf(d));
          d.ack();
        }
      };
      await Promise.all([drainInto(a), drainInto(b)]);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe(total);
    });

    when(features.consumerGroups)('gives every group all the records', async () => {
      const t = await transport();
      const topic = freshTopic('groups');
      const sent = Array.from({ length: 50 }, (_, n) => makeRecord(topic, n));
      await t.publish(sent);
      const content = (records: readonly { readonly id: string; readonly data: Uint8Array }[]): [string, number][] =>
        records.map((r): [string, number] => [r.id, numberOf(r)]).sort(([, x], [, y]) => x - y);
      // Each group against what was published (two groups that lost the same records would agree).
      for (const group of ['one', 'two']) {
        const receiver = new Receiver(await t.subscribe(topic, options({ group })));
        const got = await receiver.take(50, { ack: true });
        expect(content(got)).toEqual(content(sent));
        expect(await receiver.next(300)).toBeUndefined(); // and nothing twice
      }
    });

    it('starts a new group at the earliest or the latest record', async () => {
      const t = await transport();
      const topic = freshTopic('start');
      await t.publish(Array.from({ length: 5 }, (_, n) => makeRecord(topic, n)));
      const latest = new Receiver(await t.subscribe(topic, options({ start: 'latest' })));
      const earliest = new Receiver(await t.subscribe(topic, options({ start: 'earliest' })));
      // The start is fixed once subscribe() resolves: what is published next is after 'latest'.
      await t.publish(Array.from({ length: 5 }, (_, n) => makeRecord(topic, n + 5)));
      expect((await latest.take(5, { ack: true })).map(numberOf)).toEqual([5, 6, 7, 8, 9]);
      expect(await latest.next(300)).toBeUndefined();
      expect((await earliest.take(10, { ack: true })).map(numberOf)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('delivers an unsettled record again after the ack timeout, counting deliveries', async () => {
      const t = await transport();
      const topic = freshTopic('acktimeout');
      await t.publish([makeRecord(topic, 1)]);
      const r = new Receiver(await t.subscribe(topic, options({ ackTimeoutMs: 1000 })));
      const first = await r.next();
      expect(first?.deliveryCount).toBe(1);
      const started = Date.now();
      const second = await r.next(10_000);
      expect(second?.id).toBe(first?.id);
      expect(second?.deliveryCount).toBe(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(800);
      second!.ack();
      expect(await r.next(1800)).toBeUndefined();
    });

    it('delivers a nacked record again after its delay', async () => {
      const t = await transport();
      const topic = freshTopic('nack');
      await t.publish([makeRecord(topic, 1)]);
      const r = new Receiver(await t.subscribe(topic, options()));
      const first = await r.next();
      const nackedAt = Date.now();
      first!.nack(500);
      const again = await r.next(10_000);
      expect(again?.id).toBe(first?.id);
      expect(again?.deliveryCount).toBe(2);
      expect(Date.now() - nackedAt).toBeGreaterThanOrEqual(400);
      again!.ack();
    });

    it('never delivers a termed record again', async () => {
      const t = await transport();
      const topic = freshTopic('term');
      await t.publish([makeRecord(topic, 1)]);
      const r = new Receiver(await t.subscribe(topic, options({ ackTimeoutMs: 1000 })));
      (await r.next())!.term();
      await t.publish([makeRecord(topic, 2)]);
      const next = await r.next();
      expect(next && numberOf(next)).toBe(2);
      next!.ack();
      expect(await r.next(2500)).toBeUndefined();
    });

    it('drains: fetching stops, and drain resolves once what was handed out is settled', async () => {
      const t = await transport();
      const topic = freshTopic('drain');
      await t.publish(Array.from({ length: 10 }, (_, n) => makeRecord(topic, n)));
      const subscription = await t.subscribe(topic, options({ maxInFlight: 3 }));
      const r = new Receiver(subscription);
      const held = await r.take(3);
      expect(held).toHaveLength(3);
      let drained = false;
      const draining = subscription.drain().then(() => (drained = true));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(drained).toBe(false);
      for (const d of held) d.ack();
      await draining;
      expect(drained).toBe(true);
      expect(await r.next(500)).toBeUndefined();
      expect(await subscription.closed).toBeUndefined();
    });

    when(features.poll ?? true)('poll() hands out what is ready without waiting, never beyond the pull window', async () => {
      const t = await transport();
      const topic = freshTopic('poll');
      const total = 20;
      await t.publish(Array.from({ length: total }, (_, n) => makeRecord(topic, n)));
      const subscription = await t.subscribe(topic, options({ maxInFlight: 5 }));
      expect(typeof subscription.poll).toBe('function');
      const poll = (): Delivery | undefined => subscription.poll!();
      const first = await new Receiver(subscription).next();
      expect(first).toBeDefined();
      const held = [first!];
      // A networked transport receives asynchronously: poll until the window is full.
      for (let waited = 0; held.length < 5 && waited < 5000; waited += 10) {
        for (let next = poll(); next; next = poll()) held.push(next);
        if (held.length < 5) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(held).toHaveLength(5);
      expect(poll()).toBeUndefined();
      const seen = new Set<number>();
      for (let waited = 0; seen.size < total && waited < 10_000; waited += 10) {
        for (const delivery of held.splice(0)) {
          expect(seen.has(numberOf(delivery))).toBe(false);
          seen.add(numberOf(delivery));
          delivery.ack();
        }
        for (let next = poll(); next; next = poll()) held.push(next);
        expect(held.length).toBeLessThanOrEqual(5);
        if (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, n) => n));
      const drained = subscription.drain();
      expect(poll()).toBeUndefined();
      await drained;
    });

    it('takes 10,000 records in one batch and loses none', async () => {
      const t = await transport();
      const topic = freshTopic('batch');
      const total = 10_000;
      await t.publish(Array.from({ length: total }, (_, n) => makeRecord(topic, n, { key: `k${n % 100}` })));
      const got = await new Receiver(await t.subscribe(topic, options())).take(total, { ack: true, timeoutMs: 10_000 });
      expect(new Set(got.map(numberOf)).size).toBe(total);
    });

    it('takes concurrent publishers and loses none', async () => {
      const t = await transport();
      const topic = freshTopic('concurrent');
      const publishers = 10;
      const each = 200;
      await Promise.all(
        Array.from({ length: publishers }, (_, p) =>
          Promise.all(Array.from({ length: each }, (_, i) => t.publish([makeRecord(topic, p * each + i, { key: `p${p}` })]))),
        ),
      );
      const got = await new Receiver(await t.subscribe(topic, options())).take(publishers * each, { ack: true });
      expect(new Set(got.map(numberOf)).size).toBe(publishers * each);
    });

    it('refuses to publish after close with code transport_closed', async () => {
      const t = await transport();
      await t.close();
      await t.close();
      const error = await t.publish([makeRecord(freshTopic('closed'), 1)]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(HopbusError.hasCode(error, 'transport_closed')).toBe(true);
    });

    when(features.persistent)('keeps records and group positions across a restart', async () => {
      const first = await transport();
      const topic = freshTopic('persist');
      await first.publish(Array.from({ length: 100 }, (_, n) => makeRecord(topic, n, { key: `k${n % 4}` })));
      const group = options({ group: 'survivor', maxInFlight: 100 });
      const r = new Receiver(await first.subscribe(topic, group));
      const acked = await r.take(50, { ack: true });
      expect(acked).toHaveLength(50);
      await r.subscription.drain();
      await first.close();
      open.delete(first);

      if (!harness.reopen) throw new Error('a persistent transport must provide harness.reopen');
      const second = await harness.reopen(first);
      await second.connect();
      open.add(second);
      const rest = await new Receiver(await second.subscribe(topic, group)).take(100, { ack: true, timeoutMs: 2000 });
      expect(rest).toHaveLength(50);
      const restNumbers = new Set(rest.map(numberOf));
      for (let n = 0; n < 100; n++) if (!acked.some((d) => numberOf(d) === n)) expect(restNumbers.has(n)).toBe(true);
      const everything = await new Receiver(await second.subscribe(topic, options({ group: 'newcomer' }))).take(100, { ack: true });
      expect(everything).toHaveLength(100);
    });

    when(features.replay)('moves a group back to replay what it consumed: from the earliest record and from a time', async () => {
      if (!harness.replay) throw new Error('a transport with replay must provide harness.replay');
      const t = await transport();
      const topic = freshTopic('replay');
      const base = Date.now() - 60_000;
      await t.publish(Array.from({ length: 6 }, (_, n) => makeRecord(topic, n, { timestamp: base + n * 1000 })));
      const group = options({ group: 'replayer' });
      const first = new Receiver(await t.subscribe(topic, group));
      expect((await first.take(6, { ack: true })).map(numberOf)).toEqual([0, 1, 2, 3, 4, 5]);
      await first.subscription.drain();
      // Consumed and acked: the group has nothing more.
      const idle = new Receiver(await t.subscribe(topic, group));
      expect(await idle.next(300)).toBeUndefined();
      await idle.subscription.drain();

      await harness.replay(t, topic, group.group, 'earliest');
      const again = new Receiver(await t.subscribe(topic, group));
      expect((await again.take(6, { ack: true })).map(numberOf)).toEqual([0, 1, 2, 3, 4, 5]);
      await again.subscription.drain();

      await harness.replay(t, topic, group.group, { timestamp: base + 3000 });
      const fromTime = new Receiver(await t.subscribe(topic, group));
      expect((await fromTime.take(6, { ack: true, timeoutMs: 1000 })).map(numberOf)).toEqual([3, 4, 5]);
      // Another group was not moved.
      const other = new Receiver(await t.subscribe(topic, options({ group: 'bystander' })));
      expect((await other.take(6, { ack: true, timeoutMs: 1000 })).map(numberOf)).toEqual([0, 1, 2, 3, 4, 5]);
    });
  });
}
