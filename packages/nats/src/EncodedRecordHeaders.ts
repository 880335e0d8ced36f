import type { Match, MsgHdrs } from '@nats-io/transport-node';
import type { OutgoingRecord } from '@hopbus/core';
import { encodeHeaderName, encodeHeaderValue } from './headerEncoding.js';
import { natsHeaderNames } from './natsHeaderNames.js';
import { reservedHeaderNames, toNatsHeaders } from './recordHeaders.js';

/**
 * A record's NATS headers, encoded straight from the record: the block toNatsHeaders(record)
 * would encode, byte for byte, without building the client's header map, canonicalising names
 * or checking values that encodeHeaderValue made valid already. Publishing only asks for
 * encode(); anything else (a client that reads or changes the headers before sending them) is
 * answered by the full header map, made on first use.
 */
export class EncodedRecordHeaders implements MsgHdrs {
  private encoded: Uint8Array | undefined;
  private map: MsgHdrs | undefined;

  constructor(private readonly record: OutgoingRecord) {}

  encode(): Uint8Array {
    if (this.map) return (this.map as MsgHdrs & { encode(): Uint8Array }).encode();
    this.encoded ??= Buffer.from(this.block(), 'utf8');
    return this.encoded;
  }

  private block(): string {
    const { id, key, timestamp, headers } = this.record;
    let block = `NATS/1.0\r\n${natsHeaderNames.id}: ${encodeHeaderValue(id)}`;
    if (key !== undefined) block += `\r\n${natsHeaderNames.key}: ${encodeHeaderValue(key)}`;
    block += `\r\n${natsHeaderNames.timestamp}: ${timestamp}`;
    for (const name in headers) block += `\r\n${encodeHeaderName(name, reservedHeaderNames)}: ${encodeHeaderValue(headers[name]!)}`;
    return `${block}\r\n\r\n`;
  }

  private full(): MsgHdrs {
    this.encoded = undefined;
    this.map ??= toNatsHeaders(this.record);
    return this.map;
  }

  get hasError(): boolean {
    return this.full().hasError;
  }
  get status(): string {
    return this.full().status;
  }
  get code(): number {
    return this.full().code;
  }
  get description(): string {
    return this.full().description;
  }
  get(k: string, match?: Match): string {
    return this.full().get(k, match);
  }
  set(k: string, v: string, match?: Match): void {
    this.full().set(k, v, match);
  }
  append(k: string, v: string, match?: Match): void {
    this.full().append(k, v, match);
  }
  has(k: string, match?: Match): boolean {
    return this.full().has(k, match);
  }
  keys(): string[] {
    return this.full().keys();
  }
  values(k: string, match?: Match): string[] {
    return this.full().values(k, match);
  }
  delete(k: string, match?: Match): void {
    this.full().delete(k, match);
  }
  last(k: string, match?: Match): string {
    return this.full().last(k, match);
  }
  [Symbol.iterator](): Iterator<[string, string[]]> {
    return this.full()[Symbol.iterator]();
  }
}
