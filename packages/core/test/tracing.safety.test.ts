import { Actor, createBus, HopbusError, MemoryTransport, newMessageId, silentLogger, Subscribe, topic, tracingAttributes as attr } from '@hopbus/core';
import type { MessageContext } from '@hopbus/core';
import { captureSpans } from '@hopbus/tracing';
import { context, diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import type { DiagLogger, TextMapPropagator } from '@opentelemetry/api';
import { waitFor } from './waitFor.js';

interface Note {
  n: number;
}

function recordingDiag(): { warnings: string[]; restore(): void } {
  const warnings: string[] = [];
  const ignore = (): void => undefined;
  const logger: DiagLogger = { error: ignore, info: ignore, debug: ignore, verbose: ignore, warn: (message) => warnings.push(message) };
  diag.setLogger(logger, DiagLogLevel.WARN);
  return { warnings, restore: () => diag.disable() };
}

function receiver(name: string, subscribed: ReturnType<typeof topic<Note>>) {
  const seen: MessageContext[] = [];
  const baggage: (string | undefined)[] = [];
  @Actor(name)
  class Receiver {
    @Subscribe(subscribed)
    receive(_note: Note, ctx: MessageContext): void {
      seen.push(ctx);
      baggage.push(propagation.getActiveBaggage()?.getEntry('tenant')?.value);
    }
  }
  return { Receiver, seen, baggage };
}

describe('tracing is safe', () => {
  it('records nothing and adds no header when no SDK is registered', async () => {
    const Notes = topic<Note>('ts1.notes');
    const { Receiver, seen } = receiver('r1', Notes);
    const bus = await createBus({ transport: new MemoryTransport(), services: [Receiver], logger: silentLogger });
    await bus.start();
    await bus.publish(Notes, { n: 1 });
    await waitFor('the note', () => seen.length === 1);
    expect(Object.keys(seen[0]!.headers).filter((name) => !name.startsWith('hopbus-'))).toEqual([]);
    expect(trace.getActiveSpan()).toBeUndefined();
    await bus.stop();
  });

  it('starts a fresh trace for a malformed traceparent, warns through diag, and delivers the message', async () => {
    const capture = captureSpans();
    const logged = recordingDiag();
    const Notes = topic<Note>('ts2.notes');
    const { Receiver, seen } = receiver('r2', Notes);
    const transport = new MemoryTransport();
    const bus = await createBus({ transport, services: [Receiver], logger: silentLogger });
    try {
      await bus.start();
      // A foreign producer: the record reaches the transport with its headers as they are.
      await transport.publish([
        { id: newMessageId(), topic: Notes.name, headers: { traceparent: '00-not-a-trace-01' }, data: Notes.codec.encode({ n: 1 }), timestamp: Date.now() },
      ]);
      await waitFor('the note', () => seen.length === 1);
      await waitFor('the span', () => capture.spans().length === 1);
      const [span] = capture.flowSpans();
      expect(span!.name).toBe('process ts2.notes');
      expect(span!.parentSpanId).toBeUndefined();
      expect(span!.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(logged.warnings.some((w) => w.includes('traceparent that could not be read'))).toBe(true);
    } finally {
      logged.restore();
      await bus.stop();
      await capture.shutdown();
    }
  });

  it('publishes and handles when the propagator throws', async () => {
    const capture = captureSpans();
    const logged = recordingDiag();
    const broken: TextMapPropagator = {
      inject: () => {
        throw new Error('inject broke');
      },
      extract: () => {
        throw new Error('extract broke');
      },
      fields: () => ['traceparent'],
    };
    propagation.disable();
    propagation.setGlobalPropagator(broken);
    const Notes = topic<Note>('ts3.notes');
    const { Receiver, seen } = receiver('r3', Notes);
    const bus = await createBus({ transport: new MemoryTransport(), services: [Receiver], logger: silentLogger });
    try {
      await bus.start();
      await bus.publish(Notes, { n: 1 });
      await waitFor('the note', () => seen.length === 1);
      expect(logged.warnings.filter((w) => w.includes('tracing failed'))).toHaveLength(2);
    } finally {
      logged.restore();
      await bus.stop();
      await capture.shutdown();
    }
  });

  it('refuses an unknown tracing.parent at createBus', async () => {
    const error: unknown = await createBus({ transport: new MemoryTransport(), tracing: { parent: 'sibling' as 'link' } }).catch((e: unknown) => e);
    expect(HopbusError.is(error) && error.code).toBe('config');
  });
});

describe('tracing options', () => {
  it("with parent: 'link' starts a trace per delivery, linked to the producer, and keeps baggage", async () => {
    const capture = captureSpans();
    const Notes = topic<Note>('ts4.notes');
    const { Receiver, seen, baggage } = receiver('r4', Notes);
    const bus = await createBus({ transport: new MemoryTransport(), services: [Receiver], logger: silentLogger, tracing: { parent: 'link' } });
    try {
      await bus.start();
      const withTenant = propagation.setBaggage(context.active(), propagation.createBaggage({ tenant: { value: 'acme' } }));
      await context.with(withTenant, () => bus.publish(Notes, { n: 1 }));
      await waitFor('the note', () => seen.length === 1);
      await waitFor('two spans', () => capture.spans().length === 2);
      const spans = capture.flowSpans();
      const publish = spans.find((s) => s.kind === 'producer')!;
      const process = spans.find((s) => s.kind === 'consumer')!;
      expect(process.traceId).not.toBe(publish.traceId);
      expect(process.parentSpanId).toBeUndefined();
      expect(process.links).toEqual([{ traceId: publish.traceId, spanId: publish.spanId, attributes: {} }]);
      expect(baggage).toEqual(['acme']);
    } finally {
      await bus.stop();
      await capture.shutdown();
    }
  });

  it('makes one span for a batch, with the message count, and injects its context into every record', async () => {
    const capture = captureSpans();
    const Notes = topic<Note>('ts5.notes');
    const { Receiver, seen } = receiver('r5', Notes);
    const bus = await createBus({ transport: new MemoryTransport(), services: [Receiver], logger: silentLogger });
    try {
      await bus.start();
      await bus.publishBatch(Notes, [{ payload: { n: 1 } }, { payload: { n: 2 } }, { payload: { n: 3 } }]);
      await waitFor('the notes', () => seen.length === 3);
      await waitFor('four spans', () => capture.spans().length === 4);
      const spans = capture.flowSpans();
      const publish = spans.filter((s) => s.kind === 'producer');
      expect(publish).toHaveLength(1);
      expect(publish[0]!.attributes[attr.batchCount]).toBe(3);
      expect(publish[0]!.attributes[attr.messageId]).toBeUndefined();
      const processes = spans.filter((s) => s.kind === 'consumer');
      expect(processes.map((s) => s.parentSpanId)).toEqual([publish[0]!.spanId, publish[0]!.spanId, publish[0]!.spanId]);
      expect(new Set(seen.map((ctx) => ctx.headers['traceparent']))).toEqual(new Set([expect.stringMatching(new RegExp(`^00-${publish[0]!.traceId}-`))]));
    } finally {
      await bus.stop();
      await capture.shutdown();
    }
  });

  it('publishes inside a handler as a child of its process span, and an app span around publish is the parent', async () => {
    const capture = captureSpans();
    const A = topic<Note>('ts6.a');
    const B = topic<Note>('ts6.b');
    const seen: MessageContext[] = [];
    @Actor('relay')
    class Relay {
      @Subscribe(A) async a(note: Note, ctx: MessageContext): Promise<void> {
        await trace.getTracer('app').startActiveSpan('app work', async (span) => {
          await ctx.publish(B, note);
          span.end();
        });
      }
      @Subscribe(B) b(_note: Note, ctx: MessageContext): void {
        seen.push(ctx);
      }
    }
    const bus = await createBus({ transport: new MemoryTransport(), services: [Relay], logger: silentLogger });
    try {
      await bus.start();
      await trace.getTracer('app').startActiveSpan('request', async (span) => {
        await bus.publish(A, { n: 1 });
        span.end();
      });
      await waitFor('the relayed note', () => seen.length === 1);
      await waitFor('six spans', () => capture.spans().length === 6);
      const [tree] = capture.traces();
      expect(capture.traces()).toHaveLength(1);
      const names: string[] = [];
      for (let node = tree!.roots[0]; node; node = node.children[0]) names.push(node.span.name);
      expect(names).toEqual(['request', 'publish ts6.a', 'process ts6.a', 'app work', 'publish ts6.b', 'process ts6.b']);
    } finally {
      await bus.stop();
      await capture.shutdown();
    }
  });
});
