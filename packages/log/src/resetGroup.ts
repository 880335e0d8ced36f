import { HopbusError } from '@hopbus/core';
import { groupOffsetsPath, readGroupOffsetsFile, validateGroupName, writeGroupOffsets } from './groupOffsetsFile.js';
import { LogStore } from './LogStore.js';
import type { GroupResetTarget } from './resolveResetTarget.js';
import { resolveResetTarget } from './resolveResetTarget.js';

/**
 * Moves a consumer group of a stopped bus (replay): takes the dir's lock (`locked` while a bus
 * runs there: use LogTransport#resetGroup in that process), writes the new position durably,
 * and resolves to each partition's new offset.
 */
export async function resetGroup(dir: string, topicName: string, group: string, target: GroupResetTarget): Promise<number[]> {
  validateGroupName(group);
  const store = await LogStore.open({ dir });
  try {
    const topic = await store.topic(topicName, false);
    if (!topic) throw new HopbusError('not_found', `There is no topic ${topicName} in ${store.dir}.`);
    let current: readonly number[] = topic.partitions.map((p) => p.startOffset);
    try {
      current = readGroupOffsetsFile(store.options.fileSystem, groupOffsetsPath(topic.dir, group)).offsets;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const offsets = await resolveResetTarget(topic, current, target);
    await writeGroupOffsets(store.options.fileSystem, topic.dir, { group, offsets, updatedAt: Date.now() }, true);
    return offsets;
  } finally {
    await store.close();
  }
}
