import { registerTransport } from '@hopbus/core';
import { LogTransport } from './LogTransport.js';
import { recoveryToLogger } from './recoveryToLogger.js';

registerTransport('log', (url, { logger }) => new LogTransport({ dir: dirOfUrl(url), onRecovery: recoveryToLogger(logger) }));

/** `log:./data` → `./data`; `log:///abs/path` → `/abs/path`. */
function dirOfUrl(url: URL | string): string {
  const text = typeof url === 'string' ? url : url.href;
  const rest = text.replace(/^log:/i, '');
  return rest.startsWith('//') ? decodeURIComponent(rest.slice(2)) : rest;
}

export { LogTransport } from './LogTransport.js';
export type { LogOptions, FsyncPolicy, RecoveryEvent, RetentionOptions, RetentionPolicy } from './LogOptions.js';
export { CorruptLogError } from './CorruptLogError.js';
export type { GroupResetTarget } from './resolveResetTarget.js';
export type { LogRecord } from './LogRecord.js';
export { LogInspector } from './LogInspector.js';
export type { ActorKeyDescription, GroupDescription, PartitionDescription, ReadOptions, TopicDescription } from './LogInspector.js';
export { verifyLog } from './verifyLog.js';
export type { LogProblem, VerifyProgress, VerifyReport } from './verifyLog.js';
export { repairLog } from './repairLog.js';
export type { RepairProgress, RepairReport } from './repairLog.js';
export { resetGroup } from './resetGroup.js';
