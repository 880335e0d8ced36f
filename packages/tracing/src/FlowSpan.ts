/** A span attribute value, as OpenTelemetry allows it. */
export type FlowAttributeValue = string | number | boolean | readonly (string | number | boolean)[];

export type FlowAttributes = Readonly<Record<string, FlowAttributeValue>>;

/** OpenTelemetry's span kinds, lower-case. */
export type FlowSpanKind = 'internal' | 'server' | 'client' | 'producer' | 'consumer';

export interface FlowSpanEvent {
  readonly name: string;
  /** Milliseconds since the epoch (fractional). */
  readonly timeMs: number;
  readonly attributes: FlowAttributes;
}

export interface FlowSpanLink {
  readonly traceId: string;
  readonly spanId: string;
  readonly attributes: FlowAttributes;
}

/**
 * One finished span, whatever it came from (a live SDK or an OTLP/JSON file): the plain-data
 * form every tool in this package reads. Ids are lower-case hex; times are milliseconds since
 * the epoch with microsecond precision.
 */
export interface FlowSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Absent for a root span. */
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly kind: FlowSpanKind;
  readonly startMs: number;
  readonly durationMs: number;
  readonly status: 'unset' | 'ok' | 'error';
  readonly statusMessage: string | undefined;
  readonly attributes: FlowAttributes;
  readonly events: readonly FlowSpanEvent[];
  readonly links: readonly FlowSpanLink[];
  /** The resource's attributes (`service.name`, ...). */
  readonly resource: FlowAttributes;
  /** The instrumentation scope that recorded the span (`@hopbus/core` for hopbus's spans). */
  readonly scope: { readonly name: string; readonly version: string | undefined };
}
