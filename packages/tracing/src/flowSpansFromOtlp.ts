import type { FlowAttributes, FlowAttributeValue, FlowSpan, FlowSpanKind } from './FlowSpan.js';
import type { OtlpAnyValue, OtlpJson, OtlpKeyValue, OtlpSpan } from './OtlpJson.js';

const kindNames: readonly FlowSpanKind[] = ['internal', 'internal', 'server', 'client', 'producer', 'consumer'];

/**
 * Reads the spans of OTLP/JSON trace data: one export request, an array of them, or the text of
 * a file holding one request per line (the collector's file exporter). Ids may be hex or base64.
 * Throws an Error naming what is wrong when the input is not OTLP/JSON.
 */
export function flowSpansFromOtlp(input: string | OtlpJson | readonly OtlpJson[]): FlowSpan[] {
  const requests: readonly OtlpJson[] = typeof input === 'string' ? parseText(input) : Array.isArray(input) ? (input as readonly OtlpJson[]) : [input as OtlpJson];
  const spans: FlowSpan[] = [];
  for (const request of requests) {
    if (!request || !Array.isArray(request.resourceSpans)) throw new Error('Not OTLP/JSON trace data: there is no resourceSpans array.');
    for (const resourceSpans of request.resourceSpans) {
      const resource = attributesOf(resourceSpans.resource?.attributes);
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        const scope = { name: scopeSpans.scope?.name ?? '', version: scopeSpans.scope?.version || undefined };
        for (const span of listOf<OtlpSpan>(scopeSpans.spans)) {
          const startMs = millis(span.startTimeUnixNano);
          const parent = span.parentSpanId ? hexId(span.parentSpanId) : undefined;
          spans.push({
            traceId: hexId(span.traceId),
            spanId: hexId(span.spanId),
            parentSpanId: parent && !/^0+$/.test(parent) ? parent : undefined,
            name: span.name,
            kind: kindOf(span.kind),
            startMs,
            durationMs: Math.max(0, millis(span.endTimeUnixNano) - startMs),
            status: statusOf(span.status?.code),
            statusMessage: span.status?.message || undefined,
            attributes: attributesOf(span.attributes),
            events: listOf(span.events).map((event) => ({ name: event.name, timeMs: millis(event.timeUnixNano), attributes: attributesOf(event.attributes) })),
            links: listOf(span.links).map((link) => ({ traceId: hexId(link.traceId), spanId: hexId(link.spanId), attributes: attributesOf(link.attributes) })),
            resource,
            scope,
          });
        }
      }
    }
  }
  return spans;
}

function listOf<T>(list: readonly T[] | undefined): readonly T[] {
  return list ?? [];
}

function parseText(text: string): OtlpJson[] {
  try {
    const parsed = JSON.parse(text) as OtlpJson | OtlpJson[];
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch (whole) {
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    if (lines.length < 2) throw new Error(`Not OTLP/JSON: ${(whole as Error).message}`);
    return lines.map((line, index) => {
      try {
        return JSON.parse(line) as OtlpJson;
      } catch (error) {
        throw new Error(`Not OTLP/JSON: line ${index + 1}: ${(error as Error).message}`);
      }
    });
  }
}

function millis(nanos: string | number): number {
  if (typeof nanos === 'number') return nanos / 1e6;
  const value = BigInt(nanos);
  return Number(value / 1000n) / 1000;
}

function hexId(id: string): string {
  if (/^[0-9a-fA-F]+$/.test(id) && (id.length === 32 || id.length === 16)) return id.toLowerCase();
  return Buffer.from(id, 'base64').toString('hex');
}

function kindOf(kind: number | string | undefined): FlowSpanKind {
  if (typeof kind === 'number') return kindNames[kind] ?? 'internal';
  const name = (kind ?? '').replace(/^SPAN_KIND_/, '').toLowerCase();
  return (kindNames as readonly string[]).includes(name) ? (name as FlowSpanKind) : 'internal';
}

function statusOf(code: number | string | undefined): FlowSpan['status'] {
  if (code === 2 || code === 'STATUS_CODE_ERROR') return 'error';
  if (code === 1 || code === 'STATUS_CODE_OK') return 'ok';
  return 'unset';
}

function attributesOf(list: readonly OtlpKeyValue[] | undefined): FlowAttributes {
  const attributes: Record<string, FlowAttributeValue> = {};
  for (const { key, value } of list ?? []) {
    const plain = valueOf(value);
    if (plain !== undefined) attributes[key] = plain;
  }
  return attributes;
}

function valueOf(value: OtlpAnyValue | undefined): FlowAttributeValue | undefined {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (value.arrayValue !== undefined) {
    return (value.arrayValue.values ?? []).map(valueOf).filter((item): item is string | number | boolean => item !== undefined && !Array.isArray(item));
  }
  return undefined;
}
