import type { Logger } from '@hopbus/core';
import type { RecoveryEvent } from './LogOptions.js';

/** A repair that may have dropped records (a cut segment, a group sent back), as opposed to one that lost nothing. */
export function mayHaveLostRecords(event: RecoveryEvent): boolean {
  return event.kind === 'truncated' || event.kind === 'group_reset';
}

/** onRecovery for a log made from a URL: the bus's logger hears what may have dropped records as a warning, the rest at info. */
export function recoveryToLogger(logger: Logger): (event: RecoveryEvent) => void {
  return (event) => {
    const line = `hopbus log: ${event.file}: ${event.detail}`;
    if (mayHaveLostRecords(event)) logger.warn(line);
    else logger.info(line);
  };
}
