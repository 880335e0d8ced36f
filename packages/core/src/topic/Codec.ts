import { Buffer } from 'node:buffer';
import { jsonEncodeAll } from './jsonEncodeAll.js';
import { safeJsonParse } from './safeJsonParse.js';

/** Turns payloads into bytes and back. `decode` throws on bad input; the runtime dead-letters it. */
export interface Codec<T> {
  /** Names the format, for people and tools. */
  readonly contentType: string;
  encode(payload: T): Uint8Array;
  decode(data: Uint8Array): T;
  /**
   * Optional: encodes many payloads at once, each to the same bytes as encode(); the runtime
   * uses it for publishBatch(). Returns undefined when it cannot (then encode() is called for
   * each payload, and reports the one at fault).
   */
  encodeAll?(payloads: readonly T[]): Uint8Array[] | undefined;
}

/** Strict: invalid UTF-8 throws instead of turning into U+FFFD; a BOM is kept (JSON.parse then refuses it). */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function utf8Text(data: Uint8Array): string {
  try {
    return strictUtf8.decode(data);
  } catch {
    throw new TypeError('the payload is not valid UTF-8');
  }
}

/** JSON in UTF-8; the default. Decoding drops `__proto__`, `constructor` and `prototype` keys (see safeJsonParse). */
export function jsonCodec<T>(): Codec<T> {
  return {
    contentType: 'application/json',
    encode: (payload) => {
      const text = JSON.stringify(payload);
      if (text === undefined) throw new TypeError('the payload has no JSON form (undefined or a function)');
      return Buffer.from(text, 'utf8');
    },
    decode: (data) => safeJsonParse(utf8Text(data)) as T,
    encodeAll: (payloads) => jsonEncodeAll(payloads),
  };
}

/** Bytes as they are: for payloads already encoded (protobuf, images, ...). */
export function rawCodec(): Codec<Uint8Array> {
  return {
    contentType: 'application/octet-stream',
    encode: (payload) => payload,
    decode: (data) => data,
  };
}
