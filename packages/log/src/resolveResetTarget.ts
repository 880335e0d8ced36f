import { HopbusError } from '@hopbus/core';
import type { LogTopic } from './LogTopic.js';

/**
 * Where to move a consumer group: to an offset (in every partition, or in one), to the first
 * record at or after a time (ms since the epoch), or to the earliest or latest record.
 */
export type GroupResetTarget =
  | { readonly offset: number; readonly partition?: number }
  | { readonly timestamp: number }
  | { readonly position: 'earliest' | 'latest' };

/** The per-partition offsets `target` means on `topic`, given the group's `current` ones; clamped to what is retained. */
export async function resolveResetTarget(topic: LogTopic, current: readonly number[], target: GroupResetTarget): Promise<number[]> {
  const partitions = topic.partitions;
  if ('offset' in target) {
    if (!Number.isSafeInteger(target.offset) || target.offset < 0) {
      throw new HopbusError('config', `Cannot reset to offset ${target.offset}: give a whole number >= 0.`);
    }
    if (target.partition !== undefined && !(Number.isInteger(target.partition) && target.partition >= 0 && target.partition < partitions.length)) {
      throw new HopbusError('config', `Topic ${topic.name} has no partition ${target.partition} (it has ${partitions.length}).`);
    }
    return partitions.map((p, i) =>
      clamp(target.partition === undefined || target.partition === i ? target.offset : (current[i] ?? p.startOffset), p.startOffset, p.endOffset),
    );
  }
  if ('timestamp' in target) {
    if (!Number.isFinite(target.timestamp)) throw new HopbusError('config', `Cannot reset to time ${target.timestamp}: give milliseconds since the epoch.`);
    return Promise.all(partitions.map((p) => p.offsetForTimestamp(target.timestamp)));
  }
  if (target.position === 'earliest') return partitions.map((p) => p.startOffset);
  if (target.position === 'latest') return partitions.map((p) => p.endOffset);
  throw new HopbusError('config', 'A group reset needs { offset }, { timestamp } or { position: "earliest" | "latest" }.');
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}
