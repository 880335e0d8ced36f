/**
 * The on-disk layout of a record batch (little-endian). A segment file is nothing but batches,
 * back to back.
 *
 * | at | bytes | field                                                           |
 * | -- | ----- | --------------------------------------------------------------- |
 * |  0 | 4     | length: bytes after this field (the batch is 4 + length bytes)   |
 * |  4 | 4     | CRC32C of every byte after this field                            |
 * |  8 | 1     | format version (1)                                               |
 * |  9 | 3     | reserved, zero                                                   |
 * | 12 | 8     | base offset (unsigned, < 2^48)                                   |
 * | 20 | 4     | record count (>= 1)                                              |
 * | 24 | 8     | first timestamp (ms, signed, |t| < 2^47)                         |
 * | 32 | 8     | max timestamp                                                    |
 * | 40 | ...   | records                                                          |
 *
 * A record: length u32 (bytes after it), offset delta u32, timestamp delta i48, id (u16 length
 * + UTF-8), key (u32 length or 0xFFFFFFFF for none, + UTF-8), header count u16, each header
 * (u16 name length + name, u32 value length + value), data (u32 length + bytes).
 */
export const batchFormat = {
  version: 1,
  headerBytes: 40,
  /** Fixed part of a record: length, offset delta, timestamp delta, id length, key length, header count, data length. */
  recordFixedBytes: 4 + 4 + 6 + 2 + 4 + 2 + 4,
  noKey: 0xffffffff,
  /** The largest base offset: 2^48 - 1. */
  maxOffset: 2 ** 48 - 1,
} as const;

export function writeUint48(buf: Buffer, value: number, at: number): void {
  buf.writeUIntLE(value, at, 6);
  buf.writeUInt16LE(0, at + 6);
}

export function readUint64AsNumber(buf: Buffer, at: number): number {
  const high = buf.readUInt16LE(at + 6);
  if (high !== 0) return Number.NaN;
  return buf.readUIntLE(at, 6);
}

export function writeInt64(buf: Buffer, value: number, at: number): void {
  buf.writeIntLE(value, at, 6);
  buf.writeInt16LE(value < 0 ? -1 : 0, at + 6);
}

export function readInt64AsNumber(buf: Buffer, at: number): number {
  return buf.readIntLE(at, 6);
}
