import { HopbusError } from '../errors/HopbusError.js';
import type { Delivery, OutgoingRecord } from '../transport/Transport.js';
import { newMessageId } from '../util/newMessageId.js';
import { now } from '../util/now.js';
import { headerNames } from './headerNames.js';

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 1000 ? `${flat.slice(0, 999)}…` : flat;
}

/** The record that carries a failed delivery to its dead-letter topic: same bytes and key, the failure in headers. */
export function deadLetterRecord(delivery: Delivery, deadLetterTopic: string, group: string, error: unknown, attempts: number): OutgoingRecord {
  const message = error instanceof Error ? error.message : String(error);
  const code = HopbusError.is(error) ? error.code : 'handler';
  return {
    id: newMessageId(),
    topic: deadLetterTopic,
    key: delivery.key,
    headers: {
      ...delivery.headers,
      [headerNames.error]: oneLine(message || (error instanceof Error ? error.name : 'unknown error')),
      [headerNames.errorCode]: code,
      [headerNames.originalTopic]: delivery.topic,
      [headerNames.originalId]: delivery.id,
      [headerNames.originalGroup]: group,
      [headerNames.attempts]: String(attempts),
      [headerNames.failedAt]: new Date().toISOString(),
    },
    data: delivery.data,
    timestamp: now(),
  };
}
