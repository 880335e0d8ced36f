import type { OutgoingRecord } from '../transport/Transport.js';

export interface StoredRecord extends OutgoingRecord {
  readonly offset: number;
}
