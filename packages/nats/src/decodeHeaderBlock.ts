import type { JsMsg } from '@nats-io/jetstream';
import type { Msg } from '@nats-io/transport-node';
import { HeaderFieldsReader, fromNatsHeaders } from './recordHeaders.js';
import type { HeaderFields } from './recordHeaders.js';


/** What the pinned client keeps of a received message: its bytes, and where its header block ends. */
interface ReceivedBytes {
  readonly _rdata?: unknown;
  readonly _msg?: { readonly hdr?: unknown };
  /** A JetStream message wraps the core one. */
  readonly msg?: ReceivedBytes;
}

/**
 * The bytes of a received message's header block, read from the client's message without
 * decoding them into its header map; undefined when the message does not hold them the way the
 * pinned client (@nats-io/nats-core 3.3) does, or has no headers.
 */
export function headerBlockOf(msg: Msg | JsMsg): Uint8Array | undefined {
  const outer = msg as unknown as ReceivedBytes;
  const received = outer._msg === undefined && outer.msg !== undefined ? outer.msg : outer;
  const end = received._msg?.hdr;
  const data = received._rdata;
  if (typeof end !== 'number' || end < 0 || !(data instanceof Uint8Array) || end > data.byteLength) return undefined;
  return data.subarray(0, end);
}

/**
 * A record's fields from a received message, as fromNatsHeaders(msg.headers) reads them: each
 * line `name: value` after the status line, the value trimmed, the first value of a name. The
 * client's header map checks and canonicalises every name and value as it builds the map; on the
 * receive path that was the largest cost after parsing the protocol. A block that this reading
 * might read differently (a name the client would refuse) is left to the client.
 */
export function readHeaderFields(msg: Msg | JsMsg): HeaderFields {
  const block = headerBlockOf(msg);
  return (block && fieldsOfBlock(block)) ?? fromNatsHeaders(msg.headers);
}

/** The fields of a header block, or undefined when a name is not plain. */
export function fieldsOfBlock(block: Uint8Array): HeaderFields | undefined {
  const bytes = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
  const fields = new HeaderFieldsReader();
  let seen: string[] | undefined;
  let line = lineEnd(bytes, 0) + 2; // after the status line
  while (line < bytes.length) {
    const end = lineEnd(bytes, line);
    const colon = bytes.indexOf(colonByte, line);
    if (colon >= 0 && colon < end) {
      for (let i = line; i < colon; i++) {
        const c = bytes[i]!;
        if (c < 0x21 || c > 0x7e) return undefined;
      }
      const name = bytes.toString('latin1', line, colon);
      if (!(seen ??= []).includes(name)) {
        seen.push(name);
        fields.add(name, bytes.toString('utf8', colon + 1, end).trim());
      }
    }
    line = end + 2;
  }
  return fields.done();
}

const colonByte = 0x3a;

/** Where the line starting at `from` ends (its CR), or the block's end. */
function lineEnd(bytes: Buffer, from: number): number {
  const end = bytes.indexOf(crlf, from);
  return end < 0 ? bytes.length : end;
}
const crlf = Buffer.from('\r\n', 'latin1');
