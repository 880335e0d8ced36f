import type { RecoveryEvent } from './LogOptions.js';
import { LogStore } from './LogStore.js';
import type { VerifyProgress } from './verifyLog.js';
import { verifyLog } from './verifyLog.js';

export interface RepairReport {
  /** What was done: segments cut at their last valid batch, indexes rebuilt, groups moved to the earliest record. */
  readonly actions: readonly RecoveryEvent[];
  /** True when a verification after the repair found nothing corrupt. */
  readonly ok: boolean;
}

/**
 * Repairs the data dir in place: cuts every segment at its first invalid batch (records after it
 * in that segment are lost; later segments stay), rebuilds indexes, moves a group whose offsets
 * file is damaged back to the earliest record, then verifies. Takes the dir's lock, so the bus
 * must be stopped (`locked` otherwise). Copy the dir first if its records matter.
 */
export async function repairLog(dir: string, options: { onProgress?: (progress: VerifyProgress) => void } = {}): Promise<RepairReport> {
  const actions: RecoveryEvent[] = [];
  const store = await LogStore.open({ dir, onCorruption: 'truncate', verifyOnOpen: 'full', onRecovery: (event) => actions.push(event) });
  await store.close();
  const check = await verifyLog(dir, options.onProgress ? { onProgress: options.onProgress } : {});
  return { actions, ok: check.ok };
}
