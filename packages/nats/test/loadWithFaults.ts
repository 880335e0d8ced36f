import { HopbusError } from '@hopbus/core';
import type { SubscribeOptions, Transport } from '@hopbus/core';
import { makeRecord, numberOf, Receiver } from '@hopbus/testing';

export interface LoadResult {
  /** Numbers whose publish() resolved. */
  readonly confirmed: Set<number>;
  /** Numbers the consumer received (and acked). */
  readonly consumed: Set<number>;
  readonly publishRetries: number;
  /** The longest wait for a delivery, in ms (the fault's outage, as the consumer saw it). */
  readonly longestQuietMs: number;
}

/** The group the load consumer subscribes with (a test can create its consumer beforehand). */
export const loadGroup: SubscribeOptions = { group: 'load', start: 'earliest', maxInFlight: 512, ackTimeoutMs: 5000 };

/**
 * Publishes `total` records in batches while one consumer acks them; `fault` runs once a third
 * are confirmed. A batch whose publish fails is published again with the same ids (JetStream
 * deduplicates them). Resolves once the consumer has seen every confirmed record, or after
 * `quietMs` without a delivery.
 */
export async function loadWithFaults(
  producer: Transport,
  consumer: Transport,
  topic: string,
  total: number,
  fault: () => Promise<void>,
  quietMs = 15_000,
): Promise<LoadResult> {
  const confirmed = new Set<number>();
  const consumed = new Set<number>();
  let publishRetries = 0;
  let longestQuietMs = 0;
  const receiver = new Receiver(await consumer.subscribe(topic, loadGroup));
  const consuming = (async () => {
    for (;;) {
      const waitedFrom = Date.now();
      const d = await receiver.next(quietMs);
      longestQuietMs = Math.max(longestQuietMs, Date.now() - waitedFrom);
      if (!d) return;
      consumed.add(numberOf(d));
      d.ack();
      if (confirmed.size === total && consumed.size >= total) return;
    }
  })();
  let faulted: Promise<void> | undefined;
  const batch = 500;
  for (let start = 0; start < total; start += batch) {
    const records = Array.from({ length: Math.min(batch, total - start) }, (_, i) => makeRecord(topic, start + i, { key: `k${(start + i) % 32}` }));
    for (;;) {
      try {
        await producer.publish(records);
        break;
      } catch (error) {
        if (!HopbusError.hasCode(error, 'publish_failed')) throw error;
        publishRetries++;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    for (const r of records) confirmed.add(numberOf(r));
    if (!faulted && confirmed.size >= total / 3) faulted = fault();
  }
  await faulted;
  await consuming;
  return { confirmed, consumed, publishRetries, longestQuietMs };
}
