import { randomBytes } from 'node:crypto';
import { now as currentTime } from './now.js';

let lastMs = -1;
let sequence = 0;
/** 62 bits chosen at random once per process, then counted up: unique across processes, cheap within one. */
const seed = randomBytes(8);
let high = (seed.readUInt32BE(0) & 0x3fffffff) | 0x80000000; // the top two bits are the RFC 9562 variant
let low = seed.readUInt32BE(4);
let highWritten = -1;

const hexDigits = Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0));
/** The two hex digits of each byte value, as character codes. */
const highDigit = Uint8Array.from({ length: 256 }, (_, b) => hexDigits[b >>> 4]!);
const lowDigit = Uint8Array.from({ length: 256 }, (_, b) => hexDigits[b & 15]!);
/**
 * The id being made, as ASCII: only the digits that changed are rewritten, and one
 * toString('latin1') makes the string in one allocation (joining the parts made a chain of
 * strings, and later a flat copy, for every id).
 */
const text = Buffer.from('00000000-0000-7000-0000-000000000000', 'latin1');

function writeByte(byte: number, at: number): void {
  text[at] = highDigit[byte]!;
  text[at + 1] = lowDigit[byte]!;
}

function writeTime(ms: number): void {
  const hex = ms.toString(16).padStart(12, '0');
  for (let i = 0; i < 8; i++) text[i] = hex.charCodeAt(i);
  for (let i = 8; i < 12; i++) text[i + 1] = hex.charCodeAt(i);
}

/**
 * A UUIDv7: 48 bits of milliseconds, a 12-bit sequence within the millisecond, then 62 bits
 * that start random for each process and count up. Ids made in one process sort in the order
 * they were made; ids of different processes differ in their random part.
 */
export function newMessageId(now: number = currentTime()): string {
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
    writeTime(now);
  } else if (++sequence > 0xfff) {
    // More than 4096 ids in one millisecond: borrow the next millisecond to stay ordered.
    lastMs += 1;
    sequence = 0;
    writeTime(lastMs);
  }
  low = (low + 1) >>> 0;
  if (low === 0) high = ((high + 1) & 0x3fffffff) | 0x80000000;
  if (high !== highWritten) {
    writeByte(high >>> 24, 19);
    writeByte((high >>> 16) & 0xff, 21);
    writeByte((high >>> 8) & 0xff, 24);
    writeByte(high & 0xff, 26);
    highWritten = high;
  }
  text[15] = hexDigits[sequence >>> 8]!;
  text[16] = highDigit[sequence & 0xff]!;
  text[17] = lowDigit[sequence & 0xff]!;
  writeByte(low >>> 24, 28);
  writeByte((low >>> 16) & 0xff, 30);
  writeByte((low >>> 8) & 0xff, 32);
  writeByte(low & 0xff, 34);
  return text.toString('latin1', 0, 36);
}
