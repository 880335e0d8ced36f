import { context as otelContext, diag, INVALID_SPAN_CONTEXT, isSpanContextValid, propagation, ProxyTracerProvider, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Context, Span, SpanOptions, Tracer } from '@opentelemetry/api';
import { HopbusError } from '../errors/HopbusError.js';
import type { HandlerBinding } from '../runtime/HandlerBinding.js';
import { headerNames } from '../runtime/headerNames.js';
import type { Delivery, OutgoingRecord } from '../transport/Transport.js';
import { ChainedContext } from './ChainedContext.js';
import { errorType } from './errorType.js';
import { messagingSystem } from './messagingSystem.js';
import { ProcessTrace } from './ProcessTrace.js';
import { SpanNames } from './SpanNames.js';
import { tracingAttributes as a } from './tracingAttributes.js';
import type { ProcessParent, TracingOptions } from './TracingOptions.js';
import { warnTracingFailed } from './warnTracingFailed.js';

const instrumentationName = '@hopbus/core';
const instrumentationVersion = '0.1.0';
/** The provider the API delegates to while no SDK is registered. */
const noopTracerProvider = new ProxyTracerProvider().getDelegate();
/**
 * Where every copy of `@opentelemetry/api` 1.x finds what the application registered (tracer
 * provider, propagator, context manager, diag logger): absent until something is registered.
 * It is how copies of the API share one registration, so it holds for the whole 1.x line.
 */
const registrations = Symbol.for('opentelemetry.js.api.1');

/**
 * True while there is nothing to record and nothing to carry: no tracer provider and no
 * propagator registered. One global look-up when nothing at all is registered (about 5 ns),
 * the API's own look-ups otherwise (about 30 ns).
 */
function tracingIsOff(): boolean {
  if ((globalThis as { [registrations]?: unknown })[registrations] === undefined) return true;
  const provider = trace.getTracerProvider();
  return provider instanceof ProxyTracerProvider && provider.getDelegate() === noopTracerProvider && propagation.fields().length === 0;
}

/** The options of every span but a dead letter's publish and a linked process: shared, nothing allocated per span. */
const publishOptions: SpanOptions = Object.freeze({ kind: SpanKind.PRODUCER });
const processOptions: SpanOptions = Object.freeze({ kind: SpanKind.CONSUMER });

interface StartedPublish {
  readonly span: Span;
  readonly records: readonly OutgoingRecord[];
}

/**
 * The OpenTelemetry instrumentation of one bus, through `@opentelemetry/api` only. It records
 * nothing until the application registers an SDK, and never throws into a publish or a
 * handler: a failure inside tracing becomes a `diag.warn` and the message goes on untraced.
 */
export class Tracing {
  private readonly tracer: Tracer = trace.getTracer(instrumentationName, instrumentationVersion);
  private readonly system: string;
  private readonly parent: ProcessParent;
  private readonly publishNames = new SpanNames('publish');
  private readonly processNames = new SpanNames('process');

  constructor(transportKind: string, options: TracingOptions = {}) {
    this.system = messagingSystem(transportKind);
    const parent = options.parent ?? 'child';
    if (parent !== 'child' && parent !== 'link') {
      throw new HopbusError('config', `tracing.parent must be 'child' or 'link', not ${JSON.stringify(parent)}.`);
    }
    this.parent = parent;
  }

  /** True while there is nothing to record and nothing to carry (no provider, no propagator registered). */
  isOff(): boolean {
    return tracingIsOff();
  }

  /**
   * Sends `records` (one topic) under a `publish <topic>` PRODUCER span, its context injected
   * into each record's headers through the global propagator. `deadLetterOf`: the failed
   * processing this publish carries to the dead letters; the span is its child and links to it.
   * Rejects exactly when `send` rejects.
   */
  publish(records: readonly OutgoingRecord[], send: (records: readonly OutgoingRecord[]) => Promise<void>, deadLetterOf?: ProcessTrace): Promise<void> {
    const started = this.startPublish(records, deadLetterOf);
    if (started === undefined) return send(records);
    const { span } = started;
    return send(started.records).then(
      () => endSafely(span),
      (error: unknown) => {
        failSafely(span, error);
        throw error;
      },
    );
  }

  /** Opens the `process <topic>` CONSUMER span of a delivery, from the context in its headers. Never throws. */
  startProcess(delivery: Delivery, binding: HandlerBinding): ProcessTrace {
    try {
      if (tracingIsOff()) return ProcessTrace.none;
      const extracted = propagation.extract(ChainedContext.empty, delivery.headers);
      const producer = trace.getSpanContext(extracted);
      if (producer === undefined && delivery.headers['traceparent'] !== undefined) {
        diag.warn(`hopbus: message ${delivery.id} on ${delivery.topic} has a traceparent that could not be read; it starts a new trace.`);
      }
      let parent: Context = extracted;
      let options = processOptions;
      if (this.parent === 'link' && producer !== undefined) {
        parent = trace.deleteSpan(extracted);
        if (isSpanContextValid(producer)) options = { kind: SpanKind.CONSUMER, links: [{ context: producer }] };
      }
      const span = this.tracer.startSpan(this.processNames.of(delivery.topic), options, parent);
      if (!span.isRecording()) {
        // No SDK and nothing arrived to carry on: run the handler as it is.
        if (extracted === ChainedContext.empty && span.spanContext() === INVALID_SPAN_CONTEXT) return ProcessTrace.none;
      } else {
        this.setProcessAttributes(span, delivery, binding);
      }
      return new ProcessTrace(span, trace.setSpan(parent, span));
    } catch (error) {
      warnTracingFailed('opening a process span', error);
      return ProcessTrace.none;
    }
  }

  private startPublish(records: readonly OutgoingRecord[], deadLetterOf: ProcessTrace | undefined): StartedPublish | undefined {
    const first = records[0];
    if (first === undefined) return undefined;
    let span: Span | undefined;
    try {
      if (tracingIsOff()) return undefined;
      const active = deadLetterOf?.context ?? otelContext.active();
      // The root holds nothing: the chained empty context stands for it and makes derived contexts cheap.
      const parent = active === ROOT_CONTEXT ? ChainedContext.empty : active;
      const failed = deadLetterOf?.spanContext;
      const options =
        failed !== undefined && isSpanContextValid(failed)
          ? { kind: SpanKind.PRODUCER, links: [{ context: failed, attributes: { [a.linkReason]: 'dead_letter' } }] }
          : publishOptions;
      span = this.tracer.startSpan(this.publishNames.of(first.topic), options, parent);
      if (span.isRecording()) {
        this.setPublishAttributes(span, records, first);
      } else if (parent === ChainedContext.empty && span.spanContext() === INVALID_SPAN_CONTEXT) {
        return undefined; // no SDK and nothing to carry on
      }
      const carrier: Record<string, string> = {};
      propagation.inject(trace.setSpan(parent, span), carrier);
      return { span, records: withContext(records, carrier, propagation.fields()) };
    } catch (error) {
      warnTracingFailed('opening a publish span', error);
      if (span !== undefined) endSafely(span);
      return undefined;
    }
  }

  /** One `setAttribute` each rather than an attributes object: nothing to allocate that the span copies and drops. */
  private setPublishAttributes(span: Span, records: readonly OutgoingRecord[], first: OutgoingRecord): void {
    span.setAttribute(a.system, this.system);
    span.setAttribute(a.destination, first.topic);
    span.setAttribute(a.operationType, 'publish');
    span.setAttribute(a.operationName, 'send');
    if (records.length > 1) {
      span.setAttribute(a.batchCount, records.length);
    } else {
      span.setAttribute(a.messageId, first.id);
      span.setAttribute(a.bodySize, first.data.byteLength);
      if (first.key !== undefined) span.setAttribute(a.key, first.key);
    }
    const correlation = first.headers[headerNames.correlationId];
    if (correlation !== undefined) span.setAttribute(a.conversationId, correlation);
    const originalTopic = first.headers[headerNames.originalTopic];
    if (originalTopic !== undefined) span.setAttribute(a.originalTopic, originalTopic);
  }

  private setProcessAttributes(span: Span, delivery: Delivery, binding: HandlerBinding): void {
    span.setAttribute(a.system, this.system);
    span.setAttribute(a.destination, delivery.topic);
    span.setAttribute(a.operationType, 'process');
    span.setAttribute(a.operationName, 'process');
    span.setAttribute(a.messageId, delivery.id);
    span.setAttribute(a.bodySize, delivery.data.byteLength);
    span.setAttribute(a.consumerGroup, binding.group);
    span.setAttribute(a.partition, String(delivery.partition));
    span.setAttribute(a.offset, delivery.offset);
    span.setAttribute(a.deliveryCount, delivery.deliveryCount);
    span.setAttribute(a.actor, binding.actor);
    span.setAttribute(a.handler, String(binding.method));
    if (delivery.key !== undefined) span.setAttribute(a.key, delivery.key);
    span.setAttribute(a.conversationId, delivery.headers[headerNames.correlationId] ?? delivery.id);
  }
}

/**
 * The records with the publish's context in their headers. A header the propagator writes
 * (`fields`, in any case) that a record already carried is dropped first: an older context (of
 * a forwarded message, of a dead letter) never survives beside the new one, whole or in part
 * (its `tracestate` or `baggage` when the new context has none). The records themselves when
 * the propagator wrote nothing. The carrier is frozen and shared by every record that has no
 * other headers, as RecordFactory shares its empty headers.
 */
function withContext(records: readonly OutgoingRecord[], carrier: Record<string, string>, fields: readonly string[]): readonly OutgoingRecord[] {
  if (!hasKeys(carrier)) return records;
  const shared = Object.freeze(carrier);
  const propagated = propagatedNames(fields);
  return records.map((record) => ({ ...record, headers: hasKeys(record.headers) ? { ...withoutNames(record.headers, propagated), ...shared } : shared }));
}

let lastFields: readonly string[] | undefined;
let lastNames: ReadonlySet<string> = new Set();

/** The fields in lower case; the global propagator returns the same array each time, so the set is made once. */
function propagatedNames(fields: readonly string[]): ReadonlySet<string> {
  if (fields !== lastFields) {
    lastNames = new Set(fields.map((field) => field.toLowerCase()));
    lastFields = fields;
  }
  return lastNames;
}

/** `headers` without the names in `names` (compared in lower case); `headers` itself when it has none of them. */
function withoutNames(headers: Readonly<Record<string, string>>, names: ReadonlySet<string>): Readonly<Record<string, string>> {
  for (const name in headers) {
    if (names.has(name.toLowerCase())) return Object.fromEntries(Object.entries(headers).filter(([other]) => !names.has(other.toLowerCase())));
  }
  return headers;
}

function hasKeys(object: Readonly<Record<string, string>>): boolean {
  for (const _name in object) return true;
  return false;
}

function endSafely(span: Span): void {
  try {
    span.end();
  } catch (error) {
    warnTracingFailed('ending a publish span', error);
  }
}

function failSafely(span: Span, error: unknown): void {
  try {
    if (span.isRecording()) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setAttribute(a.errorType, errorType(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    }
  } catch (failure) {
    warnTracingFailed('recording a publish failure', failure);
  }
  endSafely(span);
}
