import { HopbusError } from '@hopbus/core';

/** Where `log tail` begins in each partition. `last` (no --from) shows the newest records, as tail(1) does. */
export type TailStart =
  | { readonly kind: 'last' }
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'offset'; readonly offset: number }
  | { readonly kind: 'time'; readonly timestamp: number };

/** Reads `--from`: earliest, latest, a whole-number offset or an ISO 8601 time; throws `config` otherwise. */
export function parseTailStart(from: string | undefined): TailStart {
  if (from === undefined) return { kind: 'last' };
  if (from === 'earliest' || from === 'latest') return { kind: from };
  if (/^\d+$/.test(from)) return { kind: 'offset', offset: Number(from) };
  const timestamp = /^\d{4}-\d{2}-\d{2}/.test(from) ? Date.parse(from) : Number.NaN;
  if (Number.isNaN(timestamp)) {
    throw new HopbusError('config', `--from must be earliest, latest, an offset or an ISO time such as 2025-06-01T12:00:00Z, not ${JSON.stringify(from)}.`);
  }
  return { kind: 'time', timestamp };
}
