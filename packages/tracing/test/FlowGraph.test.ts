import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowGraph, flowSpansFromOtlp, otlpJsonOf, renderFlowFromOtlpFile, traceOutline, writeOtlpJson } from '@hopbus/tracing';
import type { FlowEdge, FlowSpan } from '@hopbus/tracing';
import { shopTraces } from './shopTraces.js';

const summary = (edges: readonly FlowEdge[]): string[] =>
  edges.map((e) => `${e.from.name} -> ${e.to.name}: ${e.messages} msgs, ${e.errors} errors, ${e.retries} retries`).sort();

let spans: FlowSpan[];
let live: FlowGraph;
let dir: string;

beforeAll(async () => {
  ({ spans, live } = await shopTraces(3));
  dir = mkdtempSync(join(tmpdir(), 'hopbus-flow-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('FlowGraph', () => {
  it('draws services → topics → services with counts, errors and retries, fed live by its span processor', () => {
    expect(summary(live.edges())).toEqual([
      'client -> shop.orders.placed: 3 msgs, 0 errors, 0 retries',
      'orders -> shop.orders.accepted: 3 msgs, 0 errors, 0 retries',
      'payments -> shop.payments.settled: 3 msgs, 0 errors, 0 retries',
      'shipping -> shop.payments.settled.dlq: 3 msgs, 0 errors, 0 retries',
      'shop.orders.accepted -> payments: 3 msgs, 0 errors, 3 retries',
      'shop.orders.placed -> orders: 3 msgs, 0 errors, 0 retries',
      'shop.payments.settled -> notifications: 3 msgs, 0 errors, 0 retries',
      'shop.payments.settled -> shipping: 3 msgs, 3 errors, 0 retries',
    ]);
    expect(live.services()).toEqual(['client', 'notifications', 'orders', 'payments', 'shipping']);
    expect(live.topics()).toEqual(['shop.orders.accepted', 'shop.orders.placed', 'shop.payments.settled', 'shop.payments.settled.dlq']);
    for (const edge of live.edges()) {
      expect(edge.p50Ms).toBeGreaterThanOrEqual(0);
      expect(edge.p99Ms).toBeGreaterThanOrEqual(edge.p50Ms);
      if (edge.from.kind === 'topic') expect(edge.waitP50Ms).toBeGreaterThanOrEqual(0);
    }
    expect(live.traces()).toHaveLength(3);
  });

  it('renders Mermaid with every node, labelled edges and error edges in red', () => {
    const mermaid = live.toMermaid();
    expect(mermaid.startsWith('flowchart LR\n')).toBe(true);
    for (const name of [...live.services(), ...live.topics()]) expect(mermaid).toContain(`"${name}"`);
    expect(mermaid).toMatch(/-->\|"3 msgs · 3 errors · p50 [\d.]+ m?s · p99 [\d.]+ m?s"\|/);
    expect(mermaid).toMatch(/linkStyle \d+ stroke:#d33/);
  });

  it('renders one trace as a terminal waterfall with durations, bars, errors and events', () => {
    const [trace] = live.traces();
    const text = live.renderTrace(trace!.traceId);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^trace ${trace!.traceId} · 8 spans · [\\d.]+ m?s · 1 error$`));
    expect(lines[1]).toMatch(/^publish shop\.orders\.placed\s+[\d.]+ ms {2}▕█* *█*▏$/);
    expect(text).toContain('└─ process shop.orders.placed [orders]');
    expect(text).toContain('process shop.payments.settled [shipping] ✗');
    expect(text).toContain('· hopbus.retry: card declined');
    expect(text).toContain('· exception: no courier');
    expect(text).toContain('└─ publish shop.payments.settled.dlq');
    expect(() => live.renderTrace('0'.repeat(32))).toThrow(/No span of trace/);
  });

  it('round-trips spans through OTLP/JSON without losing what the graph and trees read', async () => {
    const file = join(dir, 'spans.json');
    await writeOtlpJson(file, spans);
    const json = JSON.parse(readFileSync(file, 'utf8')) as { resourceSpans: { scopeSpans: { scope: { name: string }; spans: { kind: number; startTimeUnixNano: string }[] }[] }[] };
    const scope = json.resourceSpans[0]!.scopeSpans[0]!;
    expect(scope.scope.name).toBe('@hopbus/core');
    expect(scope.spans.map((s) => s.kind).sort()).toContain(4);
    expect(scope.spans[0]!.startTimeUnixNano).toMatch(/^\d{19}$/);
    const read = FlowGraph.fromOtlp(readFileSync(file, 'utf8'));
    expect(summary(read.edges())).toEqual(summary(live.edges()));
    expect(read.traces().map(traceOutline)).toEqual(live.traces().map(traceOutline));
    const back = flowSpansFromOtlp(otlpJsonOf(spans));
    for (const [index, span] of back.entries()) {
      const original = spans[index]!;
      expect(span).toEqual({ ...original, startMs: expect.closeTo(original.startMs, 2), durationMs: expect.closeTo(original.durationMs, 2), events: expect.any(Array) });
    }
  });

  it('reads the collector file exporter form: one request per line, enum names, base64 ids', () => {
    const request = (spanId: string, parent: string | undefined, name: string, kind: string, op: string) =>
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'gateway' } }] },
            scopeSpans: [
              {
                scope: { name: 'x' },
                spans: [
                  {
                    traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex').toString('base64'),
                    spanId: Buffer.from(spanId, 'hex').toString('base64'),
                    parentSpanId: parent === undefined ? '' : Buffer.from(parent, 'hex').toString('base64'),
                    name,
                    kind,
                    startTimeUnixNano: '1700000000000000000',
                    endTimeUnixNano: '1700000000002500000',
                    attributes: [
                      { key: 'messaging.destination.name', value: { stringValue: 'jobs' } },
                      { key: 'messaging.operation.type', value: { stringValue: op } },
                      { key: 'messaging.batch.message_count', value: { intValue: '4' } },
                    ],
                    status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
                  },
                ],
              },
            ],
          },
        ],
      });
    const text = [request('b7ad6b7169203331', undefined, 'publish jobs', 'SPAN_KIND_PRODUCER', 'publish'), request('00f067aa0ba902b7', 'b7ad6b7169203331', 'process jobs', 'SPAN_KIND_CONSUMER', 'process')].join('\n');
    const graph = FlowGraph.fromOtlp(text);
    expect(summary(graph.edges())).toEqual(['gateway -> jobs: 4 msgs, 4 errors, 0 retries', 'jobs -> gateway: 1 msgs, 1 errors, 0 retries']);
    const [trace] = graph.traces();
    expect(trace!.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(trace!.roots[0]!.children[0]!.span.durationMs).toBeCloseTo(2.5, 6);
    expect(() => FlowGraph.fromOtlp('{"nope": 1}')).toThrow(/no resourceSpans/);
  });

  it('does the work of `hopbus flow`: the graph and traces, one trace, and the HTML page', async () => {
    const file = join(dir, 'flow.json');
    await writeOtlpJson(file, spans);
    const overview = await renderFlowFromOtlpFile(file);
    expect(overview).toContain('flowchart LR');
    expect(overview).toContain('shop.payments.settled → shipping: 3 msgs · 3 errors');
    expect(overview).toContain('Traces (3):');
    const traceId = live.traces()[1]!.traceId;
    const one = await renderFlowFromOtlpFile(file, { traceId, html: join(dir, 'out.html') });
    expect(one).toContain(`trace ${traceId}`);
    expect(one).toContain(`Wrote ${join(dir, 'out.html')}.`);
    expect(readFileSync(join(dir, 'out.html'), 'utf8')).toContain('<svg id="graph"');
    await expect(renderFlowFromOtlpFile(join(dir, 'missing.json'))).rejects.toThrow(/Cannot read/);
    await expect(renderFlowFromOtlpFile(file, { traceId: 'ffff' })).rejects.toThrow(/No span of trace ffff/);
  });
});
