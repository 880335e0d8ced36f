import { batchFormat } from './batchFormat.js';
import { u16, u32 } from './littleEndian.js';
import type { LogRecord } from './LogRecord.js';

const noHeaders: Readonly<Record<string, string>> = Object.freeze({});

/**
 * A record read from a batch that checkBatch accepted, decoded on demand: `at` is where its id
 * field starts in `buf`. id, key and headers become strings only when read (a consumer that
 * reads only the data never pays for them), data is a view into `buf` (no copy); each is
 * decoded at most once. `buf` is never reused, so a record stays valid as long as it is held.
 */
export class StoredRecord implements LogRecord {
  private idValue: string | undefined;
  /** null until the key was read. */
  private keyValue: string | undefined | null = null;
  private headersValue: Readonly<Record<string, string>> | undefined;
  private dataValue: Uint8Array | undefined;

  constructor(
    private readonly buf: Buffer,
    private readonly at: number,
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    readonly timestamp: number,
  ) {}

  get id(): string {
    if (this.idValue === undefined) {
      const length = u16(this.buf, this.at);
      this.idValue = this.buf.toString('utf8', this.at + 2, this.at + 2 + length);
    }
    return this.idValue;
  }

  get key(): string | undefined {
    if (this.keyValue === null) {
      const at = this.keyAt();
      const length = u32(this.buf, at);
      this.keyValue = length === batchFormat.noKey ? undefined : this.buf.toString('utf8', at + 4, at + 4 + length);
    }
    return this.keyValue;
  }

  get headers(): Readonly<Record<string, string>> {
    if (this.headersValue === undefined) {
      const buf = this.buf;
      let p = this.headersAt();
      const count = u16(buf, p);
      p += 2;
      if (count === 0) this.headersValue = noHeaders;
      else {
        const headers: Record<string, string> = {};
        for (let h = 0; h < count; h++) {
          const nameLength = u16(buf, p);
          const name = buf.toString('utf8', p + 2, p + 2 + nameLength);
          p += 2 + nameLength;
          const valueLength = u32(buf, p);
          headers[name] = buf.toString('utf8', p + 4, p + 4 + valueLength);
          p += 4 + valueLength;
        }
        this.headersValue = headers;
      }
    }
    return this.headersValue;
  }

  get data(): Uint8Array {
    if (this.dataValue === undefined) {
      const buf = this.buf;
      let p = this.headersAt();
      const count = u16(buf, p);
      p += 2;
      for (let h = 0; h < count; h++) {
        p += 2 + u16(buf, p);
        p += 4 + u32(buf, p);
      }
      const length = u32(buf, p);
      this.dataValue = buf.subarray(p + 4, p + 4 + length);
    }
    return this.dataValue;
  }

  /** The record as a plain object, every field decoded (for callers that copy or serialize records). */
  toJSON(): LogRecord {
    return { id: this.id, topic: this.topic, key: this.key, headers: this.headers, data: this.data, timestamp: this.timestamp, partition: this.partition, offset: this.offset };
  }

  private keyAt(): number {
    return this.at + 2 + u16(this.buf, this.at);
  }

  private headersAt(): number {
    const at = this.keyAt();
    const length = u32(this.buf, at);
    return at + 4 + (length === batchFormat.noKey ? 0 : length);
  }
}
