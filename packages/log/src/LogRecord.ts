import type { OutgoingRecord } from '@hopbus/core';

/** A record as stored in a partition. */
export interface LogRecord extends OutgoingRecord {
  readonly partition: number;
  readonly offset: number;
}
