import { HopbusError } from '@hopbus/core';

/**
 * A log file holds bytes that are not a valid batch where one must be. Carries the file and
 * the byte position of the first bad byte range, so `verifyLog`/`repairLog` and a human can
 * find it. Code `corrupt_log`. The message ends with what to do: `advice` when given, else how to
 * cut the log at the last valid batch.
 */
export class CorruptLogError extends HopbusError {
  constructor(
    readonly file: string,
    readonly position: number,
    reason: string,
    options?: { cause?: unknown; advice?: string },
  ) {
    const advice =
      options?.advice ??
      "Run repairLog (hopbus log repair) to cut the log at the last valid batch, or open with onCorruption: 'truncate'; copy the data dir first if the records matter.";
    super('corrupt_log', `The log file ${file} is corrupt at byte ${position}: ${reason}. ${advice}`, options?.cause === undefined ? {} : { cause: options.cause });
    this.name = 'CorruptLogError';
  }
}
