import { HopbusError } from '@hopbus/core';

/**
 * A log file holds bytes that are not a valid batch where one must be. Carries the file and
 * the byte position of the first bad byte range, so `verifyLog`/`repairLog` and a human can
 * find it. Code `corrupt_log`.
 */
export class CorruptLogError extends HopbusError {
  constructor(
    readonly file: string,
    readonly position: number,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      'corrupt_log',
      `The log file ${file} is corrupt at byte ${position}: ${reason}. Run repairLog (hopbus log repair) to cut the log at the last valid batch, or open with onCorruption: 'truncate'; copy the data dir first if the records matter.`,
      options,
    );
    this.name = 'CorruptLogError';
  }
}
