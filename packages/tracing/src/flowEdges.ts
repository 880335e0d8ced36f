import { tracingAttributes as attr, tracingEvents } from '@hopbus/core';
import type { FlowEdge, FlowNode } from './FlowEdge.js';
import type { FlowSpan } from './FlowSpan.js';
import { messagingRole } from './messagingRole.js';
import { percentile } from './percentile.js';

interface Tally {
  readonly from: FlowNode;
  readonly to: FlowNode;
  messages: number;
  errors: number;
  retries: number;
  readonly durations: number[];
  readonly waits: number[];
}

/** The name for spans published outside any actor when the resource names no service. */
const clientServiceName = 'client';

const spanKey = (traceId: string, spanId: string): string => `${traceId}/${spanId}`;

const isPublishSpan = (span: FlowSpan): boolean => messagingRole(span) === 'publish';
const isProcessSpan = (span: FlowSpan): boolean => messagingRole(span) === 'process';

function resourceService(span: FlowSpan): string | undefined {
  const name = span.resource['service.name'];
  return typeof name === 'string' && !name.startsWith('unknown_service') ? name : undefined;
}

/**
 * The edges of the message flow: service → topic for each publish span, topic → service for
 * each process span. A publish span belongs to the actor of its nearest enclosing process span
 * (what a handler published), else to the resource's `service.name`, else to `client`.
 */
export function flowEdges(spans: Iterable<FlowSpan>): FlowEdge[] {
  const byKey = new Map<string, FlowSpan>();
  for (const span of spans) byKey.set(spanKey(span.traceId, span.spanId), span);
  const tallies = new Map<string, Tally>();
  const tally = (from: FlowNode, to: FlowNode): Tally => {
    const key = `${from.kind}:${from.name}\u0000${to.kind}:${to.name}`;
    let found = tallies.get(key);
    if (!found) tallies.set(key, (found = { from, to, messages: 0, errors: 0, retries: 0, durations: [], waits: [] }));
    return found;
  };
  const publisherOf = (span: FlowSpan): string => {
    let current: FlowSpan | undefined = span;
    for (let depth = 0; current && depth < 1000; depth++) {
      if (current !== span && isProcessSpan(current)) return consumerOf(current);
      current = current.parentSpanId === undefined ? undefined : byKey.get(spanKey(current.traceId, current.parentSpanId));
    }
    return resourceService(span) ?? clientServiceName;
  };
  for (const span of byKey.values()) {
    const topic: FlowNode = { kind: 'topic', name: String(span.attributes[attr.destination]) };
    if (isPublishSpan(span)) {
      const count = Number(span.attributes[attr.batchCount] ?? 1);
      const t = tally({ kind: 'service', name: publisherOf(span) }, topic);
      t.messages += count;
      if (span.status === 'error') t.errors += count;
      t.durations.push(span.durationMs);
    } else if (isProcessSpan(span)) {
      const t = tally(topic, { kind: 'service', name: consumerOf(span) });
      t.messages++;
      if (span.status === 'error') t.errors++;
      t.retries += span.events.filter((event) => event.name === tracingEvents.retry).length;
      t.durations.push(span.durationMs);
      const producer = producerOf(span, byKey);
      if (producer) t.waits.push(span.startMs - producer.startMs);
    }
  }
  return [...tallies.values()].map((t) => ({
    from: t.from,
    to: t.to,
    messages: t.messages,
    errors: t.errors,
    retries: t.retries,
    p50Ms: percentile(t.durations, 50),
    p99Ms: percentile(t.durations, 99),
    waitP50Ms: t.waits.length ? percentile(t.waits, 50) : undefined,
    waitP99Ms: t.waits.length ? percentile(t.waits, 99) : undefined,
  }));
}

function consumerOf(span: FlowSpan): string {
  const actor = span.attributes[attr.actor] ?? span.attributes[attr.consumerGroup];
  return actor !== undefined ? String(actor) : (resourceService(span) ?? 'consumer');
}

/** The publish span a process span continues: its parent, or (in link mode) the span it links to. */
function producerOf(span: FlowSpan, byKey: ReadonlyMap<string, FlowSpan>): FlowSpan | undefined {
  const candidates = [
    ...(span.parentSpanId === undefined ? [] : [spanKey(span.traceId, span.parentSpanId)]),
    ...span.links.map((link) => spanKey(link.traceId, link.spanId)),
  ];
  for (const key of candidates) {
    const found = byKey.get(key);
    if (found && isPublishSpan(found)) return found;
  }
  return undefined;
}
