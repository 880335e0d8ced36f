/**
 * The OTLP/JSON trace export format (ExportTraceServiceRequest): what an OpenTelemetry
 * collector's file exporter and `otlpJsonOf()` write. Only the fields hopbus reads or writes.
 * Ids are hex strings; 64-bit integers are decimal strings (numbers are accepted on reading).
 */
export interface OtlpJson {
  readonly resourceSpans: readonly OtlpResourceSpans[];
}

export interface OtlpResourceSpans {
  readonly resource?: { readonly attributes?: readonly OtlpKeyValue[] };
  readonly scopeSpans?: readonly OtlpScopeSpans[];
}

export interface OtlpScopeSpans {
  readonly scope?: { readonly name?: string; readonly version?: string };
  readonly spans?: readonly OtlpSpan[];
}

export interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  /** 1 internal, 2 server, 3 client, 4 producer, 5 consumer (or the enum name). */
  readonly kind?: number | string;
  readonly startTimeUnixNano: string | number;
  readonly endTimeUnixNano: string | number;
  readonly attributes?: readonly OtlpKeyValue[];
  readonly events?: readonly { readonly timeUnixNano: string | number; readonly name: string; readonly attributes?: readonly OtlpKeyValue[] }[];
  readonly links?: readonly { readonly traceId: string; readonly spanId: string; readonly attributes?: readonly OtlpKeyValue[] }[];
  /** code: 0 unset, 1 ok, 2 error (or the enum name). */
  readonly status?: { readonly code?: number | string; readonly message?: string };
}

export interface OtlpKeyValue {
  readonly key: string;
  readonly value: OtlpAnyValue;
}

export interface OtlpAnyValue {
  readonly stringValue?: string;
  readonly boolValue?: boolean;
  readonly intValue?: string | number;
  readonly doubleValue?: number;
  readonly arrayValue?: { readonly values?: readonly OtlpAnyValue[] };
}
