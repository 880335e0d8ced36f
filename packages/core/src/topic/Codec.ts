import { safeJsonParse } from './safeJsonParse.js';

/** Turns payloads into bytes and back. `decode` throws on bad input; the runtime dead-letters it. */
export interface Codec<T> {
  /** Written to the `content-type` header of every record. */
  readonly contentType: string;
  encode(payload: T): Uint8Array;
  decode(data: Uint8Array): T;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** JSON in UTF-8; the default. Decoding is safe against `__proto__` and `constructor` keys. */
export function jsonCodec<T>(): Codec<T> {
  return {
    contentType: 'application/json',
    encode: (payload) => {
      const text = JSON.stringify(payload);
      if (text === undefined) throw new TypeError('the payload has no JSON form (undefined or a function)');
      return encoder.encode(text);
    },
    decode: (data) => safeJsonParse(decoder.decode(data)) as T,
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
