import { randomBytes } from 'node:crypto';
import { now as currentTime } from './now.js';

let lastMs = -1;
let sequence = 0;
let timePrefix = '';
/** 62 bits chosen at random once per process, then counted up: unique across processes, cheap within one. */
const seed = randomBytes(8);
let high = (seed.readUInt32BE(0) & 0x3fffffff) | 0x80000000; // the top two bits are the RFC 9562 variant
let low = seed.readUInt32BE(4);

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0');
}

/** Two hex digits for each byte value: formatting by table is several times faster than toString(16). */
const byteHex = Array.from({ length: 256 }, (_, b) => hex(b, 2));
const sequenceHex = Array.from({ length: 0x1000 }, (_, n) => hex(n, 3));
let highHex = '';
let highHexOf = -1;

/**
 * A UUIDv7: 48 bits of milliseconds, a 12-bit sequence within the millisecond, then 62 bits
 * that start random for each process and count up. Ids made in one process sort in the order
 * they were made; ids of different processes differ in their random part.
 */
export function newMessageId(now: number = currentTime()): string {
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
    const time = hex(now, 12);
    timePrefix = `${time.slice(0, 8)}-${time.slice(8)}-7`;
  } else if (++sequence > 0xfff) {
    // More than 4096 ids in one millisecond: borrow the next millisecond to stay ordered.
    lastMs += 1;
    sequence = 0;
    const time = hex(lastMs, 12);
    timePrefix = `${time.slice(0, 8)}-${time.slice(8)}-7`;
  }
  low = (low + 1) >>> 0;
  if (low === 0) high = ((high + 1) & 0x3fffffff) | 0x80000000;
  if (high !== highHexOf) {
    const h = hex(high >>> 0, 8);
    highHex = `${h.slice(0, 4)}-${h.slice(4)}`;
    highHexOf = high;
  }
  const lowHex = byteHex[low >>> 24]! + byteHex[(low >>> 16) & 0xff]! + byteHex[(low >>> 8) & 0xff]! + byteHex[low & 0xff]!;
  return `${timePrefix}${sequenceHex[sequence]!}-${highHex}${lowHex}`;
}
