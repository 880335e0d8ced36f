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
  return splitArray(bytes, payloads.length);
}

/**
 * Cuts the text of a JSON array, as JSON.stringify writes it (no white space), at the commas
 * between its elements. Bytes of multi-byte UTF-8 characters are all 0x80 or above, so they
 * are never taken for a comma, a quote or a bracket.
 */
function splitArray(bytes: Buffer, count: number): Buffer[] | undefined {
  const parts: Buffer[] = new Array<Buffer>(count);
  const end = bytes.length - 1;
  let found = 0;
  let start = 1;
  let depth = 0;
  for (let i = 1; i < end; i++) {
    const byte = bytes[i]!;
    if (byte === quote) {
      // Skip the string, and the character after each backslash in it.
      for (i++; i < end; i++) {
        const inString = bytes[i]!;
        if (inString === backslash) i++;
        else if (inString === quote) break;
      }
    } else if (byte === openBrace || byte === openBracket) {
      depth++;
    } else if (byte === closeBrace || byte === closeBracket) {
      depth--;
    } else if (byte === comma && depth === 0) {
      if (found === count) return undefined;
      parts[found++] = bytes.subarray(start, i);
      start = i + 1;
    }
  }
  parts[found++] = bytes.subarray(start, end);
  return found === count ? parts : undefined;
}
