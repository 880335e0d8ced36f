import { Actor, createBus, MemoryTransport, newMessageId, silentLogger, Subscribe, topic } from '@hopbus/core';
import type { MessageContext } from '@hopbus/core';
import { Receiver } from '@hopbus/testing';
import { captureSpans } from '@hopbus/tracing';
import type { FlowSpan } from '@hopbus/tracing';
import { propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { waitFor } from './waitFor.js';

interface Job {
  n: number;
}

/** What a consumer saw of the trace context it ran in. */
interface Seen {
  readonly ctx: MessageContext;
  readonly traceState: string | undefined;
  readonly baggage: string | undefined;
}

function seenNow(ctx: MessageContext): Seen {
  return {
    ctx,
    traceState: trace.getActiveSpan()?.spanContext().traceState?.serialize(),
    baggage: propagation.getActiveBaggage()?.getEntry('tenant')?.value,
  };
}

const staleContext = {
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  tracestate: 'vendor=stale',
  baggage: 'tenant=stale',
};

function spanNamed(spans: readonly FlowSpan[], name: string): FlowSpan {
  const span = spans.find((s) => s.name === name);
  if (!span) throw new Error(`no span named ${name} among ${spans.map((s) => s.name).join(', ')}`);
  return span;
}

describe('trace context in headers a record already carries', () => {
  it('is replaced by the publish’s own, and the consumer of the dead letters hangs off the dead-letter publish', async () => {
    const capture = captureSpans();
    const Jobs = topic<Job>('td1.jobs');
    const seen: Seen[] = [];
    @Actor('worker')
    class Worker {
      @Subscribe(Jobs, { retry: { attempts: 1 } }) work(_job: Job, ctx: MessageContext): void {
        seen.push(seenNow(ctx));
        throw new Error('still broken');
      }
    }
    @Actor('alerts')
    class Alerts {
      @Subscribe(topic<Job>('td1.jobs.dlq')) alert(_job: Job, ctx: MessageContext): void {
        seen.push(seenNow(ctx));
      }
    }
    const bus = await createBus({ transport: new MemoryTransport(), services: [Worker, Alerts], logger: silentLogger });
    try {
      await bus.start();
      // A redrive: the payload goes out again with the headers of an old dead letter, under a trace of its own.
      const oldDeadLetter = { ...staleContext, 'hopbus-error': 'broken', 'hopbus-original-topic': 'td1.jobs' };
      await trace.getTracer('ops').startActiveSpan('redrive', { root: true }, ROOT_CONTEXT, async (span) => {
        await bus.publish(Jobs, { n: 1 }, { headers: oldDeadLetter });
        span.end();
      });
      await waitFor('the job and its dead letter', () => seen.length === 2);
      await waitFor('five spans', () => capture.spans().length === 5);
      const spans = capture.flowSpans();
      const redrive = spanNamed(spans, 'redrive');
      const publish = spanNamed(spans, 'publish td1.jobs');
      const process = spanNamed(spans, 'process td1.jobs');
      const deadLetterPublish = spanNamed(spans, 'publish td1.jobs.dlq');
      const deadLetterProcess = spanNamed(spans, 'process td1.jobs.dlq');
      expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([redrive.traceId]));
      expect(redrive.traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
      expect(publish.parentSpanId).toBe(redrive.spanId);
      expect(process.parentSpanId).toBe(publish.spanId);
      expect(deadLetterPublish.parentSpanId).toBe(process.spanId);
      expect(deadLetterProcess.parentSpanId).toBe(deadLetterPublish.spanId);
      const [job, deadLetter] = seen;
      // Nothing of the stale context is left: neither its trace state nor its baggage.
      for (const { ctx, traceState, baggage } of [job!, deadLetter!]) {
        expect(ctx.headers['tracestate']).toBeUndefined();
        expect(ctx.headers['baggage']).toBeUndefined();
        expect(traceState).toBeUndefined();
        expect(baggage).toBeUndefined();
      }
      expect(job!.ctx.headers['traceparent']).toBe(`00-${publish.traceId}-${publish.spanId}-01`);
      expect(deadLetter!.ctx.headers['traceparent']).toBe(`00-${deadLetterPublish.traceId}-${deadLetterPublish.spanId}-01`);
    } finally {
      await bus.stop();
      await capture.shutdown();
    }
  });

  it('leaves no copy of the old context under another spelling of its header names', async () => {
    const capture = captureSpans();
    const Jobs = topic<Job>('td2.jobs');
    const transport = new MemoryTransport();
    @Actor('worker')
    class Worker {
      @Subscribe(Jobs, { retry: { attempts: 1 } }) work(): void {
        throw new Error('broken');
      }
    }
    const bus = await createBus({ transport, services: [Worker], logger: silentLogger });
    try {
      await bus.start();
      // A foreign producer that writes header names as HTTP does.
      const foreign = { Traceparent: staleContext.traceparent, TraceState: staleContext.tracestate, Baggage: staleContext.baggage, 'x-kept': 'yes' };
      await transport.publish([{ id: newMessageId(), topic: Jobs.name, headers: foreign, data: Jobs.codec.encode({ n: 2 }), timestamp: Date.now() }]);
      const [deadLetter] = await new Receiver(await transport.subscribe('td2.jobs.dlq', { group: 'inspect', start: 'earliest', maxInFlight: 10, ackTimeoutMs: 30_000 })).take(1);
      await waitFor('the dead-letter publish span', () => capture.spans().some((s) => s.name === 'publish td2.jobs.dlq'));
      const deadLetterPublish = spanNamed(capture.flowSpans(), 'publish td2.jobs.dlq');
      const traceNames = Object.keys(deadLetter!.headers).filter((name) => ['traceparent', 'tracestate', 'baggage'].includes(name.toLowerCase()));
      expect(traceNames).toEqual(['traceparent']);
      expect(deadLetter!.headers['traceparent']).toBe(`00-${deadLetterPublish.traceId}-${deadLetterPublish.spanId}-01`);
      expect(deadLetter!.headers['x-kept']).toBe('yes');
    } finally {
      await bus.stop();
      await capture.shutdown();
    }
  });

  it('stays as given when the publish has no trace context of its own (no SDK, nothing active)', async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const Jobs = topic<Job>('td3.jobs');
    const seen: MessageContext[] = [];
    @Actor('worker')
    class Worker {
      @Subscribe(Jobs) work(_job: Job, ctx: MessageContext): void {
        seen.push(ctx);
      }
    }
    const bus = await createBus({ transport: new MemoryTransport(), services: [Worker], logger: silentLogger });
    try {
      await bus.start();
      // A gateway without an SDK that passes its caller's context on by hand.
      await bus.publish(Jobs, { n: 3 }, { headers: { traceparent: staleContext.traceparent, 'x-kept': 'yes' } });
      await waitFor('the job', () => seen.length === 1);
      expect(seen[0]!.headers).toEqual({ traceparent: staleContext.traceparent, 'x-kept': 'yes' });
    } finally {
      await bus.stop();
      propagation.disable();
    }
  });
});
