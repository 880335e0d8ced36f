export { captureSpans } from './captureSpans.js';
export type { CaptureSpansOptions, SpanCapture } from './captureSpans.js';
export type { FlowAttributes, FlowAttributeValue, FlowSpan, FlowSpanEvent, FlowSpanKind, FlowSpanLink } from './FlowSpan.js';
export { flowSpanOf } from './flowSpanOf.js';
export type { SpanNode } from './SpanNode.js';
export type { TraceTree } from './TraceTree.js';
export { traceTrees } from './traceTrees.js';
export { traceOutline } from './traceOutline.js';
