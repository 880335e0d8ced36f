/** A node of the flow graph: a service (an actor, or the app that published) or a topic. */
export interface FlowNode {
  readonly kind: 'service' | 'topic';
  readonly name: string;
}

/**
 * Messages that went from a service to a topic (publish spans) or from a topic to a service
 * (process spans). Latency: the spans' durations. Wait (topic → service only): from the start
 * of the publish span to the start of the process span, when the publish span is known.
 */
export interface FlowEdge {
  readonly from: FlowNode;
  readonly to: FlowNode;
  readonly messages: number;
  /** Spans with status ERROR (a publish that failed; a delivery that went to the dead letters). */
  readonly errors: number;
  /** Handler retries (topic → service only). */
  readonly retries: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly waitP50Ms: number | undefined;
  readonly waitP99Ms: number | undefined;
}
