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

/** Lays out the fields of one frame in a buffer sized beforehand (see measure). */
class FieldWriter {
  private at = frameHeaderBytes;
  constructor(private readonly buf: Buffer) {}

  u8(value: number): void {
    this.buf[this.at++] = value;
  }
  u32(value: number): void {
    this.buf.writeUInt32LE(value, this.at);
    this.at += 4;
  }
  f64(value: number): void {
    this.buf.writeDoubleLE(value, this.at);
    this.at += 8;
  }
  bytes(value: Uint8Array): void {
    this.u32(value.byteLength);
    this.buf.set(value, this.at);
    this.at += value.byteLength;
  }
  /** `bytes`: its UTF-8 length, as measure() found it. */
  text(value: string, bytes: number): void {
    this.u32(bytes);
    this.at += this.buf.write(value, this.at, bytes, 'utf8');
  }
  /** Writes the header (the payload's length and CRC32C) and returns the frame. */
  seal(): Buffer {
    const payload = this.buf.subarray(frameHeaderBytes, this.at);
    this.buf.writeUInt32LE(payload.byteLength, 0);
    this.buf.writeUInt32LE(crc32c(payload), 4);
    return this.buf.subarray(0, this.at);
  }
}

/** The UTF-8 length of each string of a turn, in the order encodeTurnFrame writes them, and the frame's size. */
function measure(turn: JournalTurn): { lengths: number[]; size: number } {
  const lengths: number[] = [];
  let size = frameHeaderBytes + 1;
  const text = (value: string): void => {
    const bytes = Buffer.byteLength(value, 'utf8');
    lengths.push(bytes);
    size += 4 + bytes;
  };
  text(turn.actor);
  text(turn.key);
  size += 4 + turn.state.byteLength + 4;
  for (const record of turn.records) {
    text(record.id);
    text(record.topic);
    size += 1;
    if (record.key !== undefined) text(record.key);
    size += 4;
    for (const name of Object.keys(record.headers)) {
      text(name);
      text(record.headers[name]!);
    }
    size += 4 + record.data.byteLength + 8 + 1;
  }
  return { lengths, size };
}

/** The journal frame of one turn: one buffer, sized before it is written. */
export function encodeTurnFrame(turn: JournalTurn): Buffer {
  const { lengths, size } = measure(turn);
  const w = new FieldWriter(Buffer.allocUnsafe(size));
  let n = 0;
  w.u8(version);
  w.text(turn.actor, lengths[n++]!);
  w.text(turn.key, lengths[n++]!);
  w.bytes(turn.state);
  w.u32(turn.records.length);
  for (const record of turn.records) {
    w.text(record.id, lengths[n++]!);
    w.text(record.topic, lengths[n++]!);
    w.u8(record.key === undefined ? 0 : 1);
    if (record.key !== undefined) w.text(record.key, lengths[n++]!);
    const names = Object.keys(record.headers);
    w.u32(names.length);
    for (const name of names) {
      w.text(name, lengths[n++]!);
      w.text(record.headers[name]!, lengths[n++]!);
    }
    w.bytes(record.data);
    w.f64(record.timestamp);
    w.u8(record.durable === undefined ? 2 : record.durable ? 1 : 0);
  }
  return w.seal();
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
