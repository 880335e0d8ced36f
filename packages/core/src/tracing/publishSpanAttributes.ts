import type { Span } from '@opentelemetry/api';
import { headerNames } from '../runtime/headerNames.js';
import type { OutgoingRecord } from '../transport/Transport.js';
import { tracingAttributes as a } from './tracingAttributes.js';

/**
 * The attributes of a publish span over `count` records of one topic, `first` the first of them.
 * One `setAttribute` each rather than an attributes object: nothing to allocate that the span
 * copies and drops.
 */
export function setPublishAttributes(span: Span, system: string, first: OutgoingRecord, count: number): void {
  span.setAttribute(a.system, system);
  span.setAttribute(a.destination, first.topic);
  span.setAttribute(a.operationType, 'publish');
  span.setAttribute(a.operationName, 'send');
  if (count > 1) {
    span.setAttribute(a.batchCount, count);
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
