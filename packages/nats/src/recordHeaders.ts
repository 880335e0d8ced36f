import { headers as natsHeaders } from '@nats-io/transport-node';
import type { MsgHdrs } from '@nats-io/transport-node';
import type { OutgoingRecord } from '@hopbus/core';
import { decodeHeaderName, decodeHeaderValue, encodeHeaderName, encodeHeaderValue } from './headerEncoding.js';
import { natsHeaderNames } from './natsHeaderNames.js';

/** Our own header names, lower-case: a record header of that name travels encoded. */
export const reservedHeaderNames: ReadonlySet<string> = new Set(Object.values(natsHeaderNames).map((n) => n.toLowerCase()));

/** What of a record travels in NATS headers. */
export interface HeaderFields {
  readonly id: string;
  readonly key: string | undefined;
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * A record's id, key, timestamp and headers as NATS headers. `Nats-Msg-Id` comes first: the
 * server looks for it by its first occurrence in the header block. Every name is distinct
 * (record header names are encoded apart from ours), so append() does what set() would,
 * without looking for an earlier value first.
 */
export function toNatsHeaders(record: OutgoingRecord): MsgHdrs {
  const h = natsHeaders();
  h.append(natsHeaderNames.id, encodeHeaderValue(record.id));
  if (record.key !== undefined) h.append(natsHeaderNames.key, encodeHeaderValue(record.key));
  h.append(natsHeaderNames.timestamp, String(record.timestamp));
  for (const name in record.headers) h.append(encodeHeaderName(name, reservedHeaderNames), encodeHeaderValue(record.headers[name]!));
  return h;
}

/** Inverse of toNatsHeaders; a message without our headers gets id '', no key, timestamp 0. */
export function fromNatsHeaders(h: MsgHdrs | undefined): HeaderFields {
  const fields = new HeaderFieldsReader();
  if (h) for (const [name, values] of h) fields.add(name, values[0] ?? '');
  return fields.done();
}

/** Reads the fields of a record from its NATS headers, one (name, first value) at a time. */
export class HeaderFieldsReader {
  private readonly headers: Record<string, string> = {};
  private id = '';
  private key: string | undefined;
  private timestamp = 0;

  add(name: string, value: string): void {
    if (name === natsHeaderNames.id) this.id = decodeHeaderValue(value);
    else if (name === natsHeaderNames.key) this.key = decodeHeaderValue(value);
    else if (name === natsHeaderNames.timestamp) this.timestamp = Number(value);
    else {
      const decoded = decodeHeaderName(name);
      // Assigning __proto__ would set the prototype: define it, so that it stays a header.
      if (decoded === '__proto__') Object.defineProperty(this.headers, decoded, { value: decodeHeaderValue(value), enumerable: true, writable: true, configurable: true });
      else this.headers[decoded] = decodeHeaderValue(value);
    }
  }

  done(): HeaderFields {
    return { id: this.id, key: this.key, timestamp: this.timestamp, headers: this.headers };
  }
}
