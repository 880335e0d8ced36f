/**
 * The partition of a key: FNV-1a (32 bit) over the key's UTF-8 bytes, modulo the count. Stable
 * across processes and versions: changing it would break order per key on existing topics.
 */
export function partitionForKey(key: string, partitions: number): number {
  if (partitions === 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    let code = key.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < key.length) {
      const low = key.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    } else if (code >= 0xd800 && code <= 0xdfff) {
      code = 0xfffd; // a lone surrogate encodes as U+FFFD, as Buffer.from does
    }
    if (code < 0x80) hash = step(hash, code);
    else if (code < 0x800) {
      hash = step(hash, 0xc0 | (code >> 6));
      hash = step(hash, 0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      hash = step(hash, 0xe0 | (code >> 12));
      hash = step(hash, 0x80 | ((code >> 6) & 0x3f));
      hash = step(hash, 0x80 | (code & 0x3f));
    } else {
      hash = step(hash, 0xf0 | (code >> 18));
      hash = step(hash, 0x80 | ((code >> 12) & 0x3f));
      hash = step(hash, 0x80 | ((code >> 6) & 0x3f));
      hash = step(hash, 0x80 | (code & 0x3f));
    }
  }
  return (hash >>> 0) % partitions;
}

function step(hash: number, byte: number): number {
  return Math.imul(hash ^ byte, 0x01000193);
}
