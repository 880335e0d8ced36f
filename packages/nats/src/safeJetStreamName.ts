import { createHash } from 'node:crypto';

/**
 * A name JetStream accepts for a stream or a consumer: characters other than letters, digits,
 * `-` and `_` become `_` (so `orders.placed` → `orders_placed`). When a character other than
 * '.' had to be replaced, a short hash of the original is appended so two names stay apart.
 */
export function safeJetStreamName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_-]/g, '_');
  if (safe === name.replaceAll('.', '_')) return safe;
  return `${safe}_${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}
