import { newMessageId } from '@hopbus/core';
import type { OutgoingRecord } from '@hopbus/core';

const encoder = new TextEncoder();

/** A record for transport tests: the payload is `{"n":<n>}` unless `data` is given. */
export function makeRecord(topic: string, n: number, options: Partial<Omit<OutgoingRecord, 'topic'>> = {}): OutgoingRecord {
  return {
    id: options.id ?? newMessageId(),
    topic,
    key: options.key,
    headers: options.headers ?? { 'x-n': String(n) },
    data: options.data ?? encoder.encode(JSON.stringify({ n })),
    timestamp: options.timestamp ?? Date.now(),
  };
}

/** The `n` of a record made by makeRecord. */
export function numberOf(record: { readonly data: Uint8Array }): number {
  return (JSON.parse(new TextDecoder().decode(record.data)) as { n: number }).n;
}
