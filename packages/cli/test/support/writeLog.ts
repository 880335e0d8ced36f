import type { OutgoingRecord } from '@hopbus/core';
import type { LogOptions } from '@hopbus/log';
import { LogTransport } from '@hopbus/log';
import { makeRecord } from '@hopbus/testing';

/** makeRecord at a fixed time unless `timestamp` is given: 2025-06-01T12:00:00Z plus `n` seconds. */
export function record(topic: string, n: number, options: Partial<Omit<OutgoingRecord, 'topic'>> = {}): OutgoingRecord {
  return makeRecord(topic, n, { ...options, timestamp: options.timestamp ?? Date.UTC(2025, 5, 1, 12, 0, n) });
}

/** Writes `records` to a log in `dir` (publishing one at a time) and closes it, releasing the lock. */
export async function writeLog(dir: string, records: readonly OutgoingRecord[], options: Omit<LogOptions, 'dir'> = {}): Promise<void> {
  const transport = new LogTransport({ fsync: 'never', ...options, dir });
  await transport.connect();
  try {
    for (const r of records) await transport.publish([r]);
  } finally {
    await transport.close();
  }
}

/** Consumes `count` records of `topic` as `group`, acking each, commits and closes; resolves to their offsets. */
export async function consume(dir: string, topic: string, group: string, count: number): Promise<number[]> {
  const transport = new LogTransport({ fsync: 'never', dir });
  const offsets: number[] = [];
  try {
    const subscription = await transport.subscribe(topic, { group, start: 'earliest', maxInFlight: 100, ackTimeoutMs: 60_000 });
    if (count > 0) {
      for await (const delivery of subscription) {
        offsets.push(delivery.offset);
        delivery.ack();
        if (offsets.length >= count) break;
      }
    }
    await subscription.drain();
    await transport.commit();
  } finally {
    await transport.close();
  }
  return offsets;
}
