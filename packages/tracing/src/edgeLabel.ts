import type { FlowEdge } from './FlowEdge.js';
import { formatMs } from './formatMs.js';

/** `3 msgs · 1 error · 2 retries · p50 1.2 ms · p99 4.0 ms`. */
export function edgeLabel(edge: FlowEdge): string {
  const parts = [`${edge.messages} ${edge.messages === 1 ? 'msg' : 'msgs'}`];
  if (edge.errors > 0) parts.push(`${edge.errors} ${edge.errors === 1 ? 'error' : 'errors'}`);
  if (edge.retries > 0) parts.push(`${edge.retries} ${edge.retries === 1 ? 'retry' : 'retries'}`);
  parts.push(`p50 ${formatMs(edge.p50Ms)}`, `p99 ${formatMs(edge.p99Ms)}`);
  return parts.join(' · ');
}
