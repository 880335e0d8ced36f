import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { FlowAttributes, FlowAttributeValue, FlowSpan, FlowSpanKind } from './FlowSpan.js';

const kinds: Record<SpanKind, FlowSpanKind> = {
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

/** The plain-data form of a span finished by the SDK. */
export function flowSpanOf(span: ReadableSpan): FlowSpan {
  const context = span.spanContext();
  const startMs = hrToMs(span.startTime);
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: kinds[span.kind] ?? 'internal',
    startMs,
    durationMs: hrToMs(span.endTime) - startMs,
    status: span.status.code === SpanStatusCode.ERROR ? 'error' : span.status.code === SpanStatusCode.OK ? 'ok' : 'unset',
    statusMessage: span.status.message,
    attributes: plain(span.attributes),
    events: span.events.map((event) => ({ name: event.name, timeMs: hrToMs(event.time), attributes: plain(event.attributes ?? {}) })),
    links: span.links.map((link) => ({ traceId: link.context.traceId, spanId: link.context.spanId, attributes: plain(link.attributes ?? {}) })),
    resource: plain(span.resource.attributes as Attributes),
    scope: { name: span.instrumentationScope.name, version: span.instrumentationScope.version },
  };
}

function hrToMs([seconds, nanos]: HrTime): number {
  return seconds * 1000 + nanos / 1e6;
}

/** Drops undefined and null values (OpenTelemetry's attribute types allow them; OTLP does not). */
function plain(attributes: Attributes): FlowAttributes {
  const result: Record<string, FlowAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      result[name] = value.filter((item): item is string | number | boolean => item !== undefined && item !== null);
    } else {
      result[name] = value as string | number | boolean;
    }
  }
  return result;
}
