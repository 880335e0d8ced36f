import { context as otelContext, diag, INVALID_SPAN_CONTEXT, isSpanContextValid, propagation, ProxyTracerProvider, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Link, Span, Tracer } from '@opentelemetry/api';
import { HopbusError } from '../errors/HopbusError.js';
import type { HandlerBinding } from '../runtime/HandlerBinding.js';
import { headerNames } from '../runtime/headerNames.js';
import type { Delivery, OutgoingRecord } from '../transport/Transport.js';
import { errorType } from './errorType.js';
import { messagingSystem } from './messagingSystem.js';
import { ProcessTrace } from './ProcessTrace.js';
import { tracingAttributes as a } from './tracingAttributes.js';
import type { ProcessParent, TracingOptions } from './TracingOptions.js';
import { warnTracingFailed } from './warnTracingFailed.js';

const instrumentationName = '@hopbus/core';
const instrumentationVersion = '0.1.0';
/** The provider the API delegates to while no SDK is registered. */
const noopTracerProvider = new ProxyTracerProvider().getDelegate();

/**
 * True while there is nothing to record and nothing to carry: no tracer provider and no
 * propagator registered. A few nanoseconds: two global look-ups.
 */
function tracingIsOff(): boolean {
  const provider = trace.getTracerProvider();
  return provider instanceof ProxyTracerProvider && provider.getDelegate() === noopTracerProvider && propagation.fields().length === 0;
}

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

  constructor(transportKind: string, options: TracingOptions = {}) {
    this.system = messagingSystem(transportKind);
    const parent = options.parent ?? 'child';
    if (parent !== 'child' && parent !== 'link') {
      throw new HopbusError('config', `tracing.parent must be 'child' or 'link', not ${JSON.stringify(parent)}.`);
    }
    this.parent = parent;
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
      const extracted = propagation.extract(ROOT_CONTEXT, delivery.headers);
      const producer = trace.getSpanContext(extracted);
      if (producer === undefined && delivery.headers['traceparent'] !== undefined) {
        diag.warn(`hopbus: message ${delivery.id} on ${delivery.topic} has a traceparent that could not be read; it starts a new trace.`);
      }
      let parent: Context = extracted;
      let links: Link[] | undefined;
      if (this.parent === 'link' && producer !== undefined) {
        parent = trace.deleteSpan(extracted);
        if (isSpanContextValid(producer)) links = [{ context: producer }];
      }
      const span = this.tracer.startSpan(`process ${delivery.topic}`, { kind: SpanKind.CONSUMER, links }, parent);
      if (!span.isRecording()) {
        // No SDK and nothing arrived to carry on: run the handler as it is.
        if (extracted === ROOT_CONTEXT && span.spanContext() === INVALID_SPAN_CONTEXT) return ProcessTrace.none;
      } else {
        span.setAttributes(this.processAttributes(delivery, binding));
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
      const parent = deadLetterOf?.context ?? otelContext.active();
      const failed = deadLetterOf?.spanContext;
      const links: Link[] | undefined =
        failed !== undefined && isSpanContextValid(failed) ? [{ context: failed, attributes: { [a.linkReason]: 'dead_letter' } }] : undefined;
      span = this.tracer.startSpan(`publish ${first.topic}`, { kind: SpanKind.PRODUCER, links }, parent);
      if (span.isRecording()) {
        span.setAttributes(this.publishAttributes(records, first));
      } else if (parent === ROOT_CONTEXT && span.spanContext() === INVALID_SPAN_CONTEXT) {
        return undefined; // no SDK and nothing to carry on
      }
      const injected = trace.setSpan(parent, span);
      const started = span;
      return { span: started, records: records.map((record) => withContext(record, injected)) };
    } catch (error) {
      warnTracingFailed('opening a publish span', error);
      if (span !== undefined) endSafely(span);
      return undefined;
    }
  }

  private publishAttributes(records: readonly OutgoingRecord[], first: OutgoingRecord): Attributes {
    const attributes: Attributes = {
      [a.system]: this.system,
      [a.destination]: first.topic,
      [a.operationType]: 'publish',
      [a.operationName]: 'send',
    };
    if (records.length > 1) {
      attributes[a.batchCount] = records.length;
    } else {
      attributes[a.messageId] = first.id;
      attributes[a.bodySize] = first.data.byteLength;
      if (first.key !== undefined) attributes[a.key] = first.key;
    }
    const correlation = first.headers[headerNames.correlationId];
    if (correlation !== undefined) attributes[a.conversationId] = correlation;
    const originalTopic = first.headers[headerNames.originalTopic];
    if (originalTopic !== undefined) attributes[a.originalTopic] = originalTopic;
    return attributes;
  }

  private processAttributes(delivery: Delivery, binding: HandlerBinding): Attributes {
    const attributes: Attributes = {
      [a.system]: this.system,
      [a.destination]: delivery.topic,
      [a.operationType]: 'process',
      [a.operationName]: 'process',
      [a.messageId]: delivery.id,
      [a.bodySize]: delivery.data.byteLength,
      [a.consumerGroup]: binding.group,
      [a.partition]: String(delivery.partition),
      [a.offset]: delivery.offset,
      [a.deliveryCount]: delivery.deliveryCount,
      [a.actor]: binding.actor,
      [a.handler]: String(binding.method),
    };
    if (delivery.key !== undefined) attributes[a.key] = delivery.key;
    attributes[a.conversationId] = delivery.headers[headerNames.correlationId] ?? delivery.id;
    return attributes;
  }
}

/** The record with the context's propagation headers added (replacing any of the same name); the record itself when there are none. */
function withContext(record: OutgoingRecord, context: Context): OutgoingRecord {
  const carrier: Record<string, string> = {};
  propagation.inject(context, carrier);
  for (const _name in carrier) return { ...record, headers: { ...record.headers, ...carrier } };
  return record;
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
