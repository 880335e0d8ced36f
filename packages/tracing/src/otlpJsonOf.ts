import type { FlowAttributes, FlowAttributeValue, FlowSpan, FlowSpanKind } from './FlowSpan.js';
import type { OtlpAnyValue, OtlpJson, OtlpKeyValue, OtlpResourceSpans, OtlpSpan } from './OtlpJson.js';

const kindCodes: Record<FlowSpanKind, number> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const statusCodes = { unset: 0, ok: 1, error: 2 } as const;

/** Spans in the OTLP/JSON export format, grouped by resource and instrumentation scope. */
export function otlpJsonOf(spans: Iterable<FlowSpan>): OtlpJson {
  const resources = new Map<string, { attributes: OtlpKeyValue[]; scopes: Map<string, { name: string; version: string | undefined; spans: OtlpSpan[] }> }>();
  for (const span of spans) {
    const resourceKey = JSON.stringify(span.resource);
    let resource = resources.get(resourceKey);
    if (!resource) resources.set(resourceKey, (resource = { attributes: keyValues(span.resource), scopes: new Map() }));
    const scopeKey = `${span.scope.name}@${span.scope.version ?? ''}`;
    let scope = resource.scopes.get(scopeKey);
    if (!scope) resource.scopes.set(scopeKey, (scope = { name: span.scope.name, version: span.scope.version, spans: [] }));
    scope.spans.push(otlpSpan(span));
  }
  const resourceSpans: OtlpResourceSpans[] = [...resources.values()].map((resource) => ({
    resource: { attributes: resource.attributes },
    scopeSpans: [...resource.scopes.values()].map((scope) => ({
      scope: scope.version === undefined ? { name: scope.name } : { name: scope.name, version: scope.version },
      spans: scope.spans,
    })),
  }));
  return { resourceSpans };
}

function otlpSpan(span: FlowSpan): OtlpSpan {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    ...(span.parentSpanId === undefined ? {} : { parentSpanId: span.parentSpanId }),
    name: span.name,
    kind: kindCodes[span.kind],
    startTimeUnixNano: nanos(span.startMs),
    endTimeUnixNano: nanos(span.startMs + span.durationMs),
    attributes: keyValues(span.attributes),
    events: span.events.map((event) => ({ timeUnixNano: nanos(event.timeMs), name: event.name, attributes: keyValues(event.attributes) })),
    links: span.links.map((link) => ({ traceId: link.traceId, spanId: link.spanId, attributes: keyValues(link.attributes) })),
    status: span.statusMessage === undefined ? { code: statusCodes[span.status] } : { code: statusCodes[span.status], message: span.statusMessage },
  };
}

/** Milliseconds (fractional, microsecond precision) as a decimal string of nanoseconds. */
function nanos(ms: number): string {
  const whole = Math.floor(ms);
  return (BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6))).toString();
}

function keyValues(attributes: FlowAttributes): OtlpKeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value) }));
}

function anyValue(value: FlowAttributeValue): OtlpAnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  return { arrayValue: { values: value.map(anyValue) } };
}
