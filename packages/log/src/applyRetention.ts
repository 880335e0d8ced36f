import type { TopicRetention } from './LogOptions.js';
import type { LogPartition } from './LogPartition.js';

/**
 * Applies a topic's retention at `now`, deleting whole sealed segments only: first each
 * partition's segments whose newest record is older than `maxAgeMs`, then, while the topic's
 * partitions together hold more than `maxBytes`, the sealed segment whose newest record is the
 * oldest of any partition. Returns the number of segments deleted.
 */
export function applyRetention(partitions: readonly LogPartition[], retention: TopicRetention, now: number): number {
  let deleted = 0;
  const cutoff = now - retention.maxAgeMs;
  for (const partition of partitions) {
    while ((partition.oldestSealed?.maxTimestamp ?? cutoff) < cutoff) {
      partition.deleteOldestSealed();
      deleted++;
    }
  }
  if (!Number.isFinite(retention.maxBytes)) return deleted;
  let bytes = 0;
  for (const partition of partitions) bytes += partition.bytes;
  while (bytes > retention.maxBytes) {
    let oldest: LogPartition | undefined;
    for (const partition of partitions) {
      const candidate = partition.oldestSealed;
      if (candidate && (oldest === undefined || candidate.maxTimestamp < oldest.oldestSealed!.maxTimestamp)) oldest = partition;
    }
    if (!oldest) break;
    bytes -= oldest.deleteOldestSealed();
    deleted++;
  }
  return deleted;
}
