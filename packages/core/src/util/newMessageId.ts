import { randomUUID } from 'node:crypto';

let lastMs = -1;
let sequence = 0;

/**
 * A UUIDv7: 48 bits of milliseconds, then a 12-bit sequence within the millisecond, then
 * random bits. Ids made in one process sort in the order they were made.
 */
export function newMessageId(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
  } else if (++sequence > 0xfff) {
    // More than 4096 ids in one millisecond: borrow the next millisecond to stay ordered.
    lastMs += 1;
    sequence = 0;
  }
  const time = lastMs.toString(16).padStart(12, '0');
  const random = randomUUID();
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${sequence.toString(16).padStart(3, '0')}-${random.slice(19)}`;
}
