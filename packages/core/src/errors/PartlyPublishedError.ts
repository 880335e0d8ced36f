import { HopbusError } from './HopbusError.js';

/**
 * A `publish()` of many records that failed for some of them: `storedIds` are the ids of the
 * records the transport holds all the same. A transport rejects with it when it can tell, so
 * that the bus can settle each caller of a gathered publish by its own record (see
 * Transport.publish). Code `publish_failed`.
 */
export class PartlyPublishedError extends HopbusError {
  readonly storedIds: ReadonlySet<string>;

  constructor(message: string, storedIds: ReadonlySet<string>, options?: { cause?: unknown }) {
    super('publish_failed', message, options);
    this.name = 'PartlyPublishedError';
    this.storedIds = storedIds;
  }

  /** The stored ids a rejection carries (from any copy of this package), or undefined. */
  static storedIdsOf(error: unknown): ReadonlySet<string> | undefined {
    if (!HopbusError.hasCode(error, 'publish_failed')) return undefined;
    const ids = (error as { storedIds?: unknown }).storedIds;
    return ids instanceof Set ? (ids as ReadonlySet<string>) : undefined;
  }
}
