import { createHash } from 'node:crypto';

/** The payload the crash children write for record `id`: 0 to 999 bytes derived from the id, so a reader can check it byte for byte. */
export function payloadOf(id: string): Buffer {
  const digest = createHash('sha256').update(id).digest();
  const length = digest.readUInt16LE(0) % 1000;
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = digest[i % 32]!;
  return out;
}
