import { Buffer } from 'node:buffer';
import { createBus, HopbusError, MemoryTransport, PartlyPublishedError, silentLogger, topic, tracingAttributes as attr } from '@hopbus/core';
import type { Delivery, OutgoingRecord, Transport } from '@hopbus/core';
import { context, trace } from '@opentelemetry/api';
import { captureSpans } from '@hopbus/tracing';

const quiet = { logger: silentLogger, env: {} };

/** A memory transport that records each publish() call, and fails the way `fail` says. */
function watched(fail?: (records: readonly OutgoingRecord[]) => Error | undefined): { transport: Transport; calls: string[][]; memory: MemoryTransport } {
  const memory = new MemoryTransport();
  const calls: string[][] = [];
  const transport: Transport = {
    kind: memory.kind,
    features: memory.features,
    connect: () => memory.connect(),
    publish: async (records) => {
      calls.push(records.map((r) => Buffer.from(r.data).toString()));
      const error = fail?.(records);
      if (error) throw error;
      await memory.publish(records);
    },
    subscribe: (name, options) => memory.subscribe(name, options),
    close: () => memory.close(),
  };
  return { transport, calls, memory };
}

const outcome = (promise: Promise<void>): Promise<string> =>
  promise.then(
    () => 'ok',
    (error: unknown) => (HopbusError.is(error) ? error.code : String(error)),
  );

describe('publish() calls of one event-loop turn', () => {
  it('go to the transport in one call per topic, in call order, before a publishBatch made after them', async () => {
    const { transport, calls } = watched();
    const bus = await createBus({ transport, ...quiet });
    const A = topic<{ n: number }>('gather.a');
    const B = topic<{ n: number }>('gather.b');
    await Promise.all([bus.publish(A, { n: 1 }), bus.publish(B, { n: 2 }), bus.publish(A, { n: 3 }), bus.publishBatch(A, [{ payload: { n: 4 } }]), bus.publish(A, { n: 5 })]);
    expect(calls).toEqual([['{"n":1}', '{"n":3}'], ['{"n":2}'], ['{"n":4}'], ['{"n":5}']]);
    await bus.stop();
  });

  it('include callers that await their own publish and resume in the same turn (a window awaiting its oldest)', async () => {
    const { transport, calls } = watched();
    const bus = await createBus({ transport, ...quiet });
    const T = topic<{ n: number }>('gather.window');
    await bus.publish(T, { n: -1 }); // connects
    calls.length = 0;
    const inFlight: Promise<void>[] = [];
    let oldest = 0;
    for (let n = 0; n < 400; n++) {
      if (inFlight.length - oldest >= 100) await inFlight[oldest++];
      inFlight.push(bus.publish(T, { n }));
    }
    await Promise.all(inFlight);
    expect(calls.flat()).toEqual(Array.from({ length: 400 }, (_, n) => `{"n":${n}}`));
    // Each window refills in one turn: a handful of calls, not one per publish.
    expect(calls.length).toBeLessThanOrEqual(8);
    await bus.stop();
  });

  it('are sent in parts of 4,096 when a run makes more calls, the first parts before the run ends', async () => {
    const { transport, calls } = watched();
    const bus = await createBus({ transport, ...quiet });
    const T = topic<{ n: number }>('gather.long');
    await bus.publish(T, { n: -1 }); // connects
    calls.length = 0;
    const published: Promise<void>[] = [];
    for (let n = 0; n < 9000; n++) published.push(bus.publish(T, { n }));
    expect(calls.map((call) => call.length)).toEqual([4096, 4096]); // still in the run: the transport already works on these
    await Promise.all(published);
    expect(calls.map((call) => call.length)).toEqual([4096, 4096, 808]);
    expect(calls.flat()).toEqual(Array.from({ length: 9000 }, (_, n) => `{"n":${n}}`));
    await bus.stop();
  });

  it('fail one by one: a payload that cannot be encoded or is too large fails its own call only', async () => {
    const { transport, calls } = watched();
    const bus = await createBus({ transport, maxMessageBytes: 32, ...quiet });
    const T = topic<unknown>('gather.bad');
    const outcomes = await Promise.all([bus.publish(T, { n: 1 }), bus.publish(T, { n: 2n }), bus.publish(T, { text: 'x'.repeat(40) }), bus.publish(T, { n: 4 })].map(outcome));
    expect(outcomes).toEqual(['ok', 'decode', 'message_too_large', 'ok']);
    expect(calls).toEqual([['{"n":1}', '{"n":4}']]);
    await bus.stop();
  });

  it('each learn their own outcome when the transport stored some of the records, and all fail when it does not say', async () => {
    const storedFirstTwo = watched((records) => new PartlyPublishedError('1 of 3 records were not stored', new Set(records.slice(0, 2).map((r) => r.id))));
    const bus = await createBus({ transport: storedFirstTwo.transport, ...quiet });
    const T = topic<{ n: number }>('gather.partly');
    expect(await Promise.all([1, 2, 3].map((n) => outcome(bus.publish(T, { n }))))).toEqual(['ok', 'ok', 'publish_failed']);
    await bus.stop();

    const silent = watched(() => new HopbusError('publish_failed', 'the disk is gone'));
    const other = await createBus({ transport: silent.transport, ...quiet });
    expect(await Promise.all([1, 2, 3].map((n) => outcome(other.publish(T, { n }))))).toEqual(['publish_failed', 'publish_failed', 'publish_failed']);
    await other.stop();
  });

  it('are gathered while tracing is on too, each under its own span in its caller\'s context, its record carrying that span', async () => {
    const capture = captureSpans();
    try {
      const { transport, calls, memory } = watched();
      const bus = await createBus({ transport, ...quiet });
      const T = topic<{ n: number }>('gather.traced');
      const app = trace.getTracer('app');
      const callers = [1, 2, 3].map((n) => app.startSpan(`caller ${n}`));
      await Promise.all(callers.map((span, i) => context.with(trace.setSpan(context.active(), span), () => bus.publish(T, { n: i + 1 }, { key: `k${i + 1}` }))));
      for (const span of callers) span.end();
      expect(calls).toEqual([['{"n":1}', '{"n":2}', '{"n":3}']]);

      const stored = await memory.subscribe('gather.traced', { group: 'g', start: 'earliest', maxInFlight: 10, ackTimeoutMs: 5000 });
      const records: Delivery[] = [];
      for await (const delivery of stored) {
        records.push(delivery);
        if (records.length === 3) break;
      }
      const spans = capture.flowSpans();
      const publishes = spans.filter((span) => span.kind === 'producer');
      expect(publishes.map((span) => span.name)).toEqual(['publish gather.traced', 'publish gather.traced', 'publish gather.traced']);
      for (let i = 0; i < 3; i++) {
        const caller = callers[i]!.spanContext();
        const publish = publishes.find((span) => span.attributes[attr.key] === `k${i + 1}`)!;
        expect(publish.parentSpanId).toBe(caller.spanId);
        expect(publish.traceId).toBe(caller.traceId);
        expect(publish.status).toBe('unset');
        expect(publish.attributes[attr.messageId]).toBe(records[i]!.id);
        expect(publish.attributes[attr.bodySize]).toBe(7);
        expect(publish.attributes[attr.batchCount]).toBeUndefined();
        expect(records[i]!.headers['traceparent']).toBe(`00-${publish.traceId}-${publish.spanId}-01`);
      }
      await bus.stop();
    } finally {
      await capture.shutdown();
    }
  });

  it('fail, traced, the spans of the calls that failed and only those', async () => {
    const capture = captureSpans();
    try {
      const { transport } = watched((records) => new PartlyPublishedError('disk full', new Set([records[0]!.id])));
      const bus = await createBus({ transport, ...quiet, maxMessageBytes: 10 });
      const T = topic<{ n: number }>('gather.traced.fail');
      const outcomes = await Promise.all([outcome(bus.publish(T, { n: 1 })), outcome(bus.publish(T, { n: 123456789 })), outcome(bus.publish(T, { n: 3 }))]);
      expect(outcomes).toEqual(['ok', 'message_too_large', 'publish_failed']);
      const publishes = capture.flowSpans().filter((span) => span.kind === 'producer');
      expect(publishes).toHaveLength(3);
      const statusOf = (body: number | undefined) => publishes.filter((span) => span.attributes[attr.bodySize] === body).map((span) => span.status);
      expect(statusOf(7)).toEqual(['unset', 'error']); // {"n":1} stored, {"n":3} not
      expect(statusOf(undefined)).toEqual(['error']); // never became a record
      await bus.stop();
    } finally {
      await capture.shutdown();
    }
  });
});
