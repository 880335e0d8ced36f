import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RecoveryEvent } from './LogOptions.js';
import { LogStore } from './LogStore.js';
import { topicMetaFile } from './LogTopic.js';
import { segmentBasesIn, segmentName } from './Segment.js';
import type { VerifyProgress } from './verifyLog.js';
import { verifyLog } from './verifyLog.js';

export interface RepairReport {
  /** What was done: segments cut at their last valid batch, indexes rebuilt, groups moved to the earliest record. */
  readonly actions: readonly RecoveryEvent[];
  /** True when a verification after the repair found nothing corrupt. */
  readonly ok: boolean;
}

export interface RepairProgress extends VerifyProgress {
  /**
   * `repairing`: the pass that reads every segment and cuts where it must; `verifying`: the check
   * after it. Each counts its own bytes, from 0 up to its `bytesTotal`.
   */
  readonly phase: 'repairing' | 'verifying';
}

/**
 * Repairs the data dir in place: cuts every segment at its first invalid batch (records after it
 * in that segment are lost; later segments stay), rebuilds indexes, moves a group whose offsets
 * file is damaged back to the earliest record, then verifies. Takes the dir's lock, so the bus
 * must be stopped (`locked` otherwise). Copy the dir first if its records matter.
 */
export async function repairLog(dir: string, options: { onProgress?: (progress: RepairProgress) => void } = {}): Promise<RepairReport> {
  const { onProgress } = options;
  const actions: RecoveryEvent[] = [];
  let onBytesChecked: ((file: string, bytes: number) => void) | undefined;
  if (onProgress) {
    const bytesTotal = segmentBytes(resolve(dir));
    let bytesDone = 0;
    onBytesChecked = (file, bytes) => {
      bytesDone += bytes;
      onProgress({ phase: 'repairing', file, bytesDone, bytesTotal });
    };
  }
  const store = await LogStore.open({ dir, onCorruption: 'truncate', verifyOnOpen: 'full', onRecovery: (event) => actions.push(event) }, { onBytesChecked });
  await store.close();
  const check = await verifyLog(dir, onProgress ? { onProgress: (progress) => onProgress({ ...progress, phase: 'verifying' }) } : {});
  return { actions, ok: check.ok };
}

/** The size of every segment under `root`: what the repairing pass reads. */
function segmentBytes(root: string): number {
  let total = 0;
  for (const topic of existsSync(root) ? readdirSync(root) : []) {
    const topicDir = join(root, topic);
    if (topic.startsWith('.') || !existsSync(join(topicDir, topicMetaFile))) continue;
    for (const partition of readdirSync(topicDir, { withFileTypes: true })) {
      if (!partition.isDirectory() || !/^\d+$/.test(partition.name)) continue;
      const partitionDir = join(topicDir, partition.name);
      for (const base of segmentBasesIn(readdirSync(partitionDir))) total += statSync(join(partitionDir, `${segmentName(base)}.log`)).size;
    }
  }
  return total;
}
