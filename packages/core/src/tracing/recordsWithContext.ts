import type { OutgoingRecord } from '../transport/Transport.js';

/**
 * The records with a publish's context in their headers (`carrier`, what the propagator wrote).
 * A header the propagator writes (`fields`, in any case) that a record already carried is
 * dropped first: an older context (of a forwarded message, of a dead letter) never survives
 * beside the new one, whole or in part (its `tracestate` or `baggage` when the new context has
 * none). The records themselves when the propagator wrote nothing. The carrier is frozen and
 * shared by every record that has no other headers, as RecordFactory shares its empty headers.
 */
export function recordsWithContext(records: readonly OutgoingRecord[], carrier: Record<string, string>, fields: readonly string[]): readonly OutgoingRecord[] {
  if (!hasKeys(carrier)) return records;
  const shared = Object.freeze(carrier);
  const propagated = propagatedNames(fields);
  return records.map((record) => withHeaders(record, shared, propagated));
}

/** One record with the context in `carrier` (see recordsWithContext). */
export function recordWithContext(record: OutgoingRecord, carrier: Record<string, string>, fields: readonly string[]): OutgoingRecord {
  return hasKeys(carrier) ? withHeaders(record, Object.freeze(carrier), propagatedNames(fields)) : record;
}

function withHeaders(record: OutgoingRecord, shared: Readonly<Record<string, string>>, propagated: ReadonlySet<string>): OutgoingRecord {
  return { ...record, headers: hasKeys(record.headers) ? { ...withoutNames(record.headers, propagated), ...shared } : shared };
}

let lastFields: readonly string[] | undefined;
let lastNames: ReadonlySet<string> = new Set();

/** The fields in lower case; the global propagator returns the same array each time, so the set is made once. */
function propagatedNames(fields: readonly string[]): ReadonlySet<string> {
  if (fields !== lastFields) {
    lastNames = new Set(fields.map((field) => field.toLowerCase()));
    lastFields = fields;
  }
  return lastNames;
}

/** `headers` without the names in `names` (compared in lower case); `headers` itself when it has none of them. */
function withoutNames(headers: Readonly<Record<string, string>>, names: ReadonlySet<string>): Readonly<Record<string, string>> {
  for (const name in headers) {
    if (names.has(name.toLowerCase())) return Object.fromEntries(Object.entries(headers).filter(([other]) => !names.has(other.toLowerCase())));
  }
  return headers;
}

function hasKeys(object: Readonly<Record<string, string>>): boolean {
  for (const _name in object) return true;
  return false;
}
