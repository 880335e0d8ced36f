import { tracingAttributes as attr } from '@hopbus/core';
import type { FlowSpan } from './FlowSpan.js';

/** `publish` or `process` for a messaging span that names its destination (hopbus's and other instrumentations'); undefined otherwise. */
export function messagingRole(span: FlowSpan): 'publish' | 'process' | undefined {
  if (typeof span.attributes[attr.destination] !== 'string') return undefined;
  const type = span.attributes[attr.operationType];
  if (type === 'publish' || type === 'send') return 'publish';
  if (type === 'process') return 'process';
  return undefined;
}
