import { context as otelContext, diag, INVALID_SPAN_CONTEXT, isSpanContextValid, propagation, ProxyTracerProvider, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { Context, Span, SpanOptions, Tracer } from '@opentelemetry/api';
import { HopbusError } from '../errors/HopbusError.js';
import type { HandlerBinding } from '../runtime/HandlerBinding.js';
import { headerNames } from '../runtime/headerNames.js';
import type { Delivery, OutgoingRecord } from '../transport/Transport.js';
import { ChainedContext } from './ChainedContext.js';
import { messagingSystem } from './messagingSystem.js';
import { ProcessTrace } from './ProcessTrace.js';
import { setPublishAttributes } from './publishSpanAttributes.js';
import { PublishTrace } from './PublishTrace.js';
import { recordsWithContext } from './recordsWithContext.js';
import { endSafely, failSafely } from './spanOutcome.js';
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

/** A publish span just started, and the context it was started in. */
interface OpenedPublish {
  readonly span: Span;
  readonly parent: Context;
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

  /**
   * Opens the `publish <topic>` PRODUCER span of one publish() call that waits to be sent with
   * the other calls of its turn (see PublishTrace), in the caller's context. Undefined when there
   * is no SDK and nothing to carry on. Never throws.
   */
  startGathered(topic: string): PublishTrace | undefined {
    let opened: OpenedPublish | undefined;
    try {
      opened = this.openPublish(topic, publishOptions, otelContext.active());
      return opened && new PublishTrace(opened.span, trace.setSpan(opened.parent, opened.span), this.system);
    } catch (error) {
      warnTracingFailed('opening a publish span', error);
      if (opened !== undefined) endSafely(opened.span);
      return undefined;
    }
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
    let opened: OpenedPublish | undefined;
    try {
      if (tracingIsOff()) return undefined;
      const failed = deadLetterOf?.spanContext;
      const options =
        failed !== undefined && isSpanContextValid(failed)
          ? { kind: SpanKind.PRODUCER, links: [{ context: failed, attributes: { [a.linkReason]: 'dead_letter' } }] }
          : publishOptions;
      opened = this.openPublish(first.topic, options, deadLetterOf?.context ?? otelContext.active());
      if (opened === undefined) return undefined;
      const { span, parent } = opened;
      if (span.isRecording()) setPublishAttributes(span, this.system, first, records.length);
      const carrier: Record<string, string> = {};
      propagation.inject(trace.setSpan(parent, span), carrier);
      return { span, records: recordsWithContext(records, carrier, propagation.fields()) };
    } catch (error) {
      warnTracingFailed('opening a publish span', error);
      if (opened !== undefined) endSafely(opened.span);
      return undefined;
    }
  }

  /**
   * Starts a `publish <topic>` span under `active`; undefined when there is no SDK and nothing to
   * carry on (the span records nothing and the context holds no trace). May throw.
   */
  private openPublish(topic: string, options: SpanOptions, active: Context): OpenedPublish | undefined {
    // The root holds nothing: the chained empty context stands for it and makes derived contexts cheap.
    const parent = active === ROOT_CONTEXT ? ChainedContext.empty : active;
    const span = this.tracer.startSpan(this.publishNames.of(topic), options, parent);
    if (!span.isRecording() && parent === ChainedContext.empty && span.spanContext() === INVALID_SPAN_CONTEXT) return undefined;
    return { span, parent };
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
