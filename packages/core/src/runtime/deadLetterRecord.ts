import { HopbusError } from '../errors/HopbusError.js';
import type { Delivery, OutgoingRecord } from '../transport/Transport.js';
import { newMessageId } from '../util/newMessageId.js';
import { now } from '../util/now.js';
import { headerNames as h } from './headerNames.js';

/** Each failure header and the header that keeps its value from the first failure of a chain. */
const failureHeaders: readonly (readonly [current: string, first: string])[] = [
  [h.error, h.firstError],
  [h.errorCode, h.firstErrorCode],
  [h.originalTopic, h.firstOriginalTopic],
  [h.originalId, h.firstOriginalId],
  [h.originalGroup, h.firstOriginalGroup],
  [h.attempts, h.firstAttempts],
  [h.failedAt, h.firstFailedAt],
];

/** Every header a failure writes: none of them is carried over from the failed message as it was. */
const writtenOnFailure: ReadonlySet<string> = new Set([h.deadLetterTopic, ...failureHeaders.flat()]);

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 1000 ? `${flat.slice(0, 999)}…` : flat;
}

/**
 * The first failure of the chain a dead letter belongs to, as `hopbus-first-*` headers, when
 * the failed delivery is itself a dead letter (read from the topic it was written to); empty for
 * any other message, even one that carries a copy of a dead letter's headers (forwarded, or
 * published again to its topic): its failure starts a new chain.
 */
function firstFailure(delivery: Delivery): Record<string, string> {
  const { headers } = delivery;
  if (headers[h.deadLetterTopic] !== delivery.topic) return {};
  const first: Record<string, string> = {};
  for (const [current, firstName] of failureHeaders) {
    const value = headers[firstName] ?? headers[current];
    if (value !== undefined) first[firstName] = value;
  }
  return first;
}

/**
 * The record that carries a failed delivery to its dead-letter topic: same bytes and key, its
 * headers with this failure's written over any earlier one's. A dead letter that failed again
 * also keeps the first failure of its chain in `hopbus-first-*`, so the message can be sent
 * back to the topic it first failed on.
 */
export function deadLetterRecord(delivery: Delivery, deadLetterTopic: string, group: string, error: unknown, attempts: number): OutgoingRecord {
  const message = error instanceof Error ? error.message : String(error);
  const code = HopbusError.is(error) ? error.code : 'handler';
  // fromEntries defines each property, so a header named __proto__ stays a header.
  const kept = Object.fromEntries(Object.entries(delivery.headers).filter(([name]) => !writtenOnFailure.has(name)));
  return {
    id: newMessageId(),
    topic: deadLetterTopic,
    key: delivery.key,
    headers: {
      ...kept,
      [h.error]: oneLine(message || (error instanceof Error ? error.name : 'unknown error')),
      [h.errorCode]: code,
      [h.originalTopic]: delivery.topic,
      [h.originalId]: delivery.id,
      [h.originalGroup]: group,
      [h.attempts]: String(attempts),
      [h.failedAt]: new Date().toISOString(),
      [h.deadLetterTopic]: deadLetterTopic,
      ...firstFailure(delivery),
    },
    data: delivery.data,
    timestamp: now(),
  };
}
