import { Buffer } from 'node:buffer';

const comma = 0x2c;
const quote = 0x22;
const backslash = 0x5c;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;

/**
 * Whether JSON.stringify of an array holding `payload` writes the same text for it as
 * JSON.stringify(payload) alone: not for a value without a JSON form (undefined, a function, a
 * symbol: `null` in an array) nor for one with its own toJSON (called with the index as key).
 */
function stringifiesAlike(payload: unknown): boolean {
  if (payload === null) return true;
  const type = typeof payload;
  if (type === 'object') return typeof (payload as { toJSON?: unknown }).toJSON !== 'function';
  return type === 'string' || type === 'number' || type === 'boolean';
}

/**
 * The UTF-8 JSON of each payload, the same bytes as `Buffer.from(JSON.stringify(p))`, made with
 * one JSON.stringify and one buffer for all of them: each call of JSON.stringify and each small
 * buffer has a fixed cost, which for a 100-byte payload is a third of the encoding. The results
 * are views into that one buffer. Returns undefined when the payloads cannot be encoded together
 * (see stringifiesAlike) or when that fails (a cycle, a BigInt, a text too long for one string):
 * encode them one by one then, which also says which one is at fault.
 */
export function jsonEncodeAll(payloads: readonly unknown[]): Buffer[] | undefined {
  if (payloads.length === 0) return [];
  for (const payload of payloads) if (!stringifiesAlike(payload)) return undefined;
  let bytes: Buffer;
  try {
    bytes = Buffer.from(JSON.stringify(payloads), 'utf8');
  } catch {
    return undefined;
  }
  const ends = elementEnds(bytes, payloads.length);
  return ends && viewsBetween(bytes, ends);
}

/**
 * Where each element of the JSON array ends (the offset of the comma or bracket after it), as
 * JSON.stringify writes an array (no white space), in its UTF-8 bytes; undefined if there are not
 * `count`. Bytes of multi-byte characters are all 0x80 or above, so they are never taken for a
 * comma, a quote or a bracket.
 */
function elementEnds(bytes: Buffer, count: number): number[] | undefined {
  const ends: number[] = [];
  const end = bytes.length - 1;
  let depth = 0;
  for (let i = 1; i < end; i++) {
    const byte = bytes[i]!;
    if (byte === quote) {
      for (i++; i < end && bytes[i] !== quote; i++) if (bytes[i] === backslash) i++;
    } else if (byte === openBrace || byte === openBracket) {
      depth++;
    } else if (byte === closeBrace || byte === closeBracket) {
      depth--;
    } else if (byte === comma && depth === 0) {
      ends.push(i);
    }
  }
  ends.push(end);
  return ends.length === count ? ends : undefined;
}

/** A Buffer over each element's bytes (Buffer.from of the ArrayBuffer: cheaper than subarray). */
function viewsBetween(bytes: Buffer, ends: readonly number[]): Buffer[] {
  const views: Buffer[] = new Array<Buffer>(ends.length);
  let start = 1;
  for (let i = 0; i < ends.length; i++) {
    views[i] = Buffer.from(bytes.buffer, bytes.byteOffset + start, ends[i]! - start);
    start = ends[i]! + 1;
  }
  return views;
}
