import { context, propagation, ProxyTracer, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import type { Context, TextMapPropagator } from '@opentelemetry/api';
import { W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { AlwaysOffSampler, BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Sampler } from '@opentelemetry/sdk-trace-base';
import type { HandlerBinding } from '../src/runtime/HandlerBinding.js';
import { ProcessTrace } from '../src/tracing/ProcessTrace.js';
import { Tracing } from '../src/tracing/Tracing.js';
import { tracingAttributes as attr } from '../src/tracing/tracingAttributes.js';
import type { Delivery, OutgoingRecord } from '../src/transport/Transport.js';
import { providerOf, spanDouble } from './spanDouble.js';
import type { SpanDouble } from './spanDouble.js';
import { neverRegistered, recordDiag, register, resetApi } from './tracingApi.js';

const producer = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };
const traceparent = `00-${producer.traceId}-${producer.spanId}-01`;

function record(headers: Record<string, string> = {}): OutgoingRecord {
  return { id: 'r1', topic: 'tr.notes', headers, data: new Uint8Array(3), timestamp: 1 };
}

function delivery(headers: Record<string, string> = {}, key?: string): Delivery {
  const settle = (): void => undefined;
  return { ...record(headers), key, partition: 0, offset: 7, deliveryCount: 1, ack: settle, nack: settle, term: settle, working: settle };
}

const binding = { actor: 'reader', method: 'read', group: 'reader.read' } as HandlerBinding;

/** A real SDK (spans kept in memory), not registered until a test does. */
function sdk(sampler?: Sampler): { provider: BasicTracerProvider; exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter();
  return { exporter, provider: new BasicTracerProvider({ ...(sampler ? { sampler } : {}), spanProcessors: [new SimpleSpanProcessor(exporter)] }) };
}

/** Publishes `records` through `tracing` and returns what reached the transport. */
async function sent(tracing: Tracing, records: readonly OutgoingRecord[]): Promise<readonly OutgoingRecord[]> {
  let reached: readonly OutgoingRecord[] = [];
  await tracing.publish(records, async (given) => void (reached = given));
  return reached;
}

/** A context whose setValue throws: what goes wrong after a span is started. */
const brokenContext: Context = {
  getValue: () => undefined,
  setValue: () => {
    throw new Error('context broke');
  },
  deleteValue: () => brokenContext,
};

afterEach(() => {
  jest.restoreAllMocks();
  resetApi();
});

describe('Tracing with nothing to record and nothing to carry', () => {
  it('starts no span and reads no header when the process never registered anything', async () => {
    neverRegistered();
    const looksUp = jest.spyOn(trace, 'getTracerProvider');
    const starts = jest.spyOn(ProxyTracer.prototype, 'startSpan');
    const tracing = new Tracing('memory');
    looksUp.mockClear();
    const records = [record()];
    expect(tracing.isOff()).toBe(true);
    expect(await sent(tracing, records)).toBe(records);
    expect(tracing.startProcess(delivery({ traceparent }), binding)).toBe(ProcessTrace.none);
    expect(looksUp).not.toHaveBeenCalled();
    expect(starts).not.toHaveBeenCalled();
  });

  it('starts no span and warns of nothing when only a diag logger is registered', async () => {
    const logged = recordDiag();
    const starts = jest.spyOn(ProxyTracer.prototype, 'startSpan');
    const extracts = jest.spyOn(propagation, 'extract');
    const tracing = new Tracing('memory');
    expect(tracing.isOff()).toBe(true);
    const records = [record()];
    expect(await sent(tracing, records)).toBe(records);
    expect(tracing.startProcess(delivery({ traceparent: 'not-a-traceparent' }), binding)).toBe(ProcessTrace.none);
    expect(starts).not.toHaveBeenCalled();
    expect(extracts).not.toHaveBeenCalled();
    expect(logged.messages).toEqual([]);
  });
});

describe('Tracing with a propagator and no SDK', () => {
  beforeEach(() => register({ propagator: new W3CTraceContextPropagator() }));

  it('is on: what arrives is carried on, and a publish inside the handler carries the producer’s context', async () => {
    const tracing = new Tracing('memory');
    expect(tracing.isOff()).toBe(false);
    const traced = tracing.startProcess(delivery({ traceparent }), binding);
    expect(traced).not.toBe(ProcessTrace.none);
    const [out] = await traced.run(() => sent(tracing, [record()]));
    expect(out!.headers['traceparent']).toBe(traceparent);
    const gathered = traced.run(() => tracing.startGathered('tr.notes'));
    expect(gathered!.carry(record()).headers['traceparent']).toBe(traceparent);
  });

  it('hands the records on as they are, without a warning, when nothing arrived to carry', async () => {
    const logged = recordDiag();
    const tracing = new Tracing('memory');
    const records = [record()];
    expect(await sent(tracing, records)).toBe(records);
    expect(tracing.startGathered('tr.notes')).toBeUndefined();
    expect(tracing.startProcess(delivery(), binding)).toBe(ProcessTrace.none);
    expect(logged.messages).toEqual([]);
  });
});

describe('Tracing with a baggage propagator and no SDK', () => {
  beforeEach(() => register({ propagator: new W3CBaggagePropagator() }));

  it('carries baggage that arrived, and baggage set around a publish', async () => {
    const tracing = new Tracing('memory');
    const traced = tracing.startProcess(delivery({ baggage: 'tenant=acme' }), binding);
    expect(traced).not.toBe(ProcessTrace.none);
    const [relayed] = await traced.run(() => sent(tracing, [record()]));
    expect(relayed!.headers['baggage']).toBe('tenant=acme');

    const withTenant = propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage({ tenant: { value: 'globex' } }));
    const gathered = context.with(withTenant, () => tracing.startGathered('tr.notes'));
    expect(gathered!.carry(record()).headers['baggage']).toBe('tenant=globex');
  });
});

describe('Tracing with an SDK', () => {
  it('records with a provider and no propagator, and injects nothing', async () => {
    const { provider, exporter } = sdk();
    register({ provider });
    const tracing = new Tracing('memory');
    expect(tracing.isOff()).toBe(false);
    const [out] = await sent(tracing, [record()]);
    expect(out!.headers).toStrictEqual({});
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['publish tr.notes']);
  });

  it('passes an empty batch on untouched: no span, no warning', async () => {
    const { provider, exporter } = sdk();
    register({ provider, propagator: new W3CTraceContextPropagator() });
    const logged = recordDiag();
    const tracing = new Tracing('memory');
    const none: OutgoingRecord[] = [];
    expect(await sent(tracing, none)).toBe(none);
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(logged.messages).toEqual([]);
  });

  it('fails the span and rejects with the transport’s error when the send rejects', async () => {
    const { provider, exporter } = sdk();
    register({ provider });
    const tracing = new Tracing('memory');
    const refused = new Error('disk full');
    await expect(tracing.publish([record()], () => Promise.reject(refused))).rejects.toBe(refused);
    const [span] = exporter.getFinishedSpans();
    expect(span!.status).toStrictEqual({ code: 2, message: 'disk full' });
    expect(span!.attributes[attr.errorType]).toBe('Error');
  });

  it('under a sampler that records nothing, still carries the sampling decision on', async () => {
    const { provider, exporter } = sdk(new AlwaysOffSampler());
    register({ provider, propagator: new W3CTraceContextPropagator() });
    const tracing = new Tracing('memory');
    const [out] = await sent(tracing, [record()]);
    expect(out!.headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    const gathered = tracing.startGathered('tr.notes');
    expect(gathered!.carry(record()).headers['traceparent']).toMatch(/-00$/);
    const traced = tracing.startProcess(delivery(), binding);
    expect(traced).not.toBe(ProcessTrace.none);
    const [inside] = await traced.run(() => sent(tracing, [record()]));
    expect(inside!.headers['traceparent']).toMatch(/-00$/);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('reads a valid or absent traceparent without a warning, and sets no key attribute for a record without one', () => {
    const { provider, exporter } = sdk();
    register({ provider, propagator: new W3CTraceContextPropagator() });
    const logged = recordDiag();
    const tracing = new Tracing('memory');
    tracing.startProcess(delivery({ traceparent }), binding).end();
    tracing.startProcess(delivery(), binding).end();
    tracing.startProcess(delivery({}, 'k1'), binding).end();
    expect(logged.messages).toEqual([]);
    const [child, root, keyed] = exporter.getFinishedSpans();
    expect(child!.parentSpanContext?.spanId).toBe(producer.spanId);
    expect(root!.parentSpanContext).toBeUndefined();
    expect(Object.keys(root!.attributes)).not.toContain(attr.key);
    expect(keyed!.attributes[attr.key]).toBe('k1');
  });
});

describe("Tracing with parent: 'link'", () => {
  it('starts a root span without a link when nothing arrived', () => {
    const { provider, exporter } = sdk();
    register({ provider, propagator: new W3CTraceContextPropagator() });
    const logged = recordDiag();
    const tracing = new Tracing('memory', { parent: 'link' });
    const traced = tracing.startProcess(delivery(), binding);
    expect(traced).not.toBe(ProcessTrace.none);
    traced.end();
    const [span] = exporter.getFinishedSpans();
    expect(span!.links).toEqual([]);
    expect(span!.parentSpanContext).toBeUndefined();
    expect(logged.messages).toEqual([]);
  });

  it('links to nothing when the producer’s span context is not valid', () => {
    const { provider, exporter } = sdk();
    const invalid: TextMapPropagator = {
      inject: () => undefined,
      extract: (ctx) => trace.setSpanContext(ctx, { traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: TraceFlags.NONE }),
      fields: () => ['traceparent'],
    };
    register({ provider, propagator: invalid });
    const tracing = new Tracing('memory', { parent: 'link' });
    tracing.startProcess(delivery({ traceparent }), binding).end();
    const [span] = exporter.getFinishedSpans();
    expect(span!.links).toEqual([]);
  });

  it('refuses another value, naming the option', () => {
    expect(() => new Tracing('memory', { parent: 'sibling' as 'link' })).toThrow("tracing.parent must be 'child' or 'link', not \"sibling\".");
  });
});

describe('Tracing when the tracing itself fails', () => {
  it('publishes untraced and ends the span it had started when setting its attributes fails', async () => {
    const spans: SpanDouble[] = [];
    register({ provider: providerOf(() => spans[spans.push(spanDouble({ throwsAt: ['setAttribute'] })) - 1]!), propagator: new W3CTraceContextPropagator() });
    const logged = recordDiag();
    const tracing = new Tracing('memory');
    const records = [record()];
    expect(await sent(tracing, records)).toBe(records);
    expect(spans.map((span) => span.calls.at(-1))).toEqual(['end']);
    expect(logged.messages).toEqual(['hopbus: tracing failed while opening a publish span; the message goes on untraced.']);
  });

  it('gathers untraced and ends the span it had started when the caller’s context cannot take it', () => {
    const spans: SpanDouble[] = [];
    register({ provider: providerOf(() => spans[spans.push(spanDouble()) - 1]!) });
    const logged = recordDiag();
    const tracing = new Tracing('memory');
    expect(context.with(brokenContext, () => tracing.startGathered('tr.notes'))).toBeUndefined();
    expect(spans.map((span) => span.calls.at(-1))).toEqual(['end']);
    expect(logged.messages).toEqual(['hopbus: tracing failed while opening a publish span; the message goes on untraced.']);
  });

  it('runs the handler and publishes untraced when the tracer throws', async () => {
    register({
      provider: providerOf(() => {
        throw new Error('tracer broke');
      }),
    });
    const logged = recordDiag();
    const tracing = new Tracing('memory');
    expect(tracing.startProcess(delivery(), binding)).toBe(ProcessTrace.none);
    expect(tracing.startGathered('tr.notes')).toBeUndefined();
    const records = [record()];
    expect(await sent(tracing, records)).toBe(records);
    expect(logged.messages).toEqual([
      'hopbus: tracing failed while opening a process span; the message goes on untraced.',
      'hopbus: tracing failed while opening a publish span; the message goes on untraced.',
      'hopbus: tracing failed while opening a publish span; the message goes on untraced.',
    ]);
  });

  it('sets no attribute on a span that does not record', async () => {
    const span = spanDouble({ recording: false });
    register({ provider: providerOf(() => span), propagator: new W3CTraceContextPropagator() });
    const tracing = new Tracing('memory');
    const [out] = await sent(tracing, [record()]);
    expect(out!.headers['traceparent']).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(span.calls).not.toContain('setAttribute');
    expect(span.calls.at(-1)).toBe('end');
  });
});
