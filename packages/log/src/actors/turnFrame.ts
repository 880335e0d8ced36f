import { crc32c } from '@node-rs/crc32';
import type { OutgoingRecord } from '@hopbus/core';

/** One committed turn as the journal keeps it. */
export interface JournalTurn {
  readonly actor: string;
  readonly key: string;
  readonly state: Uint8Array;
  readonly records: readonly OutgoingRecord[];
}

/** Frame: u32 payload length, u32 CRC32C of the payload, the payload. */
export const frameHeaderBytes = 8;
const version = 1;

/** Collects the fields of one payload, then lays them out in one buffer. */
class FieldWriter {
  private readonly parts: Buffer[] = [];
  private size = 0;

  u8(value: number): void {
    const b = Buffer.allocUnsafe(1);
    b[0] = value;
    this.push(b);
  }
  u32(value: number): void {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32LE(value, 0);
    this.push(b);
  }
  f64(value: number): void {
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleLE(value, 0);
    this.push(b);
  }
  bytes(value: Uint8Array): void {
    this.u32(value.byteLength);
    this.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  text(value: string): void {
    this.bytes(Buffer.from(value, 'utf8'));
  }
  frame(): Buffer {
    const payload = Buffer.concat(this.parts, this.size);
    const header = Buffer.allocUnsafe(frameHeaderBytes);
    header.writeUInt32LE(payload.byteLength, 0);
    header.writeUInt32LE(crc32c(payload), 4);
    return Buffer.concat([header, payload]);
  }
  private push(b: Buffer): void {
    this.parts.push(b);
    this.size += b.byteLength;
  }
}

/** The journal frame of one turn. */
export function encodeTurnFrame(turn: JournalTurn): Buffer {
  const w = new FieldWriter();
  w.u8(version);
  w.text(turn.actor);
  w.text(turn.key);
  w.bytes(turn.state);
  w.u32(turn.records.length);
  for (const record of turn.records) {
    w.text(record.id);
    w.text(record.topic);
    w.u8(record.key === undefined ? 0 : 1);
    if (record.key !== undefined) w.text(record.key);
    const names = Object.keys(record.headers);
    w.u32(names.length);
    for (const name of names) {
      w.text(name);
      w.text(record.headers[name]!);
    }
    w.bytes(record.data);
    w.f64(record.timestamp);
    w.u8(record.durable === undefined ? 2 : record.durable ? 1 : 0);
  }
  return w.frame();
}

/** Reads the fields of one payload in order; throws RangeError past its end. */
class FieldReader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}

  u8(): number {
    return this.buf.readUInt8(this.advance(1));
  }
  u32(): number {
    return this.buf.readUInt32LE(this.advance(4));
  }
  f64(): number {
    return this.buf.readDoubleLE(this.advance(8));
  }
  bytes(): Buffer {
    const length = this.u32();
    const from = this.advance(length);
    return this.buf.subarray(from, from + length);
  }
  text(): string {
    return this.bytes().toString('utf8');
  }
  get done(): boolean {
    return this.at === this.buf.byteLength;
  }
  private advance(n: number): number {
    const from = this.at;
    if (from + n > this.buf.byteLength) throw new RangeError('the turn frame ends early');
    this.at += n;
    return from;
  }
}

/**
 * The frame at `at` in `buf`: the turn and where the next frame starts; undefined when no whole,
 * valid frame starts there (the end of the journal, or a tail torn by a crash).
 */
export function decodeTurnFrame(buf: Buffer, at: number): { turn: JournalTurn; next: number } | undefined {
  if (at + frameHeaderBytes > buf.byteLength) return undefined;
  const length = buf.readUInt32LE(at);
  const end = at + frameHeaderBytes + length;
  if (end > buf.byteLength) return undefined;
  const payload = buf.subarray(at + frameHeaderBytes, end);
  if (crc32c(payload) !== buf.readUInt32LE(at + 4)) return undefined;
  try {
    const r = new FieldReader(payload);
    if (r.u8() !== version) return undefined;
    const actor = r.text();
    const key = r.text();
    const state = new Uint8Array(r.bytes());
    const count = r.u32();
    const records: OutgoingRecord[] = [];
    for (let i = 0; i < count; i++) {
      const id = r.text();
      const topic = r.text();
      const recordKey = r.u8() === 1 ? r.text() : undefined;
      const headers: Record<string, string> = {};
      const headerCount = r.u32();
      for (let h = 0; h < headerCount; h++) {
        const name = r.text();
        Object.defineProperty(headers, name, { value: r.text(), enumerable: true, writable: true, configurable: true });
      }
      const data = new Uint8Array(r.bytes());
      const timestamp = r.f64();
      const durable = r.u8();
      records.push({ id, topic, key: recordKey, headers, data, timestamp, ...(durable === 2 ? {} : { durable: durable === 1 }) });
    }
    if (!r.done) return undefined;
    return { turn: { actor, key, state, records }, next: end };
  } catch {
    return undefined;
  }
}
