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

/** A message's bytes and the length of its header block at their start. */
export interface HeaderBlock {
  readonly bytes: Buffer;
  readonly end: number;
}

/**
 * Where a received message's header block is, read from the client's message without decoding
 * it into the client's header map; undefined when the message does not hold it the way the
 * pinned client (@nats-io/nats-core 3.3) does, or has no headers.
 */
export function headerBlockOf(msg: Msg | JsMsg): HeaderBlock | undefined {
  const outer = msg as unknown as ReceivedBytes;
  const received = outer._msg === undefined && outer.msg !== undefined ? outer.msg : outer;
  const end = received._msg?.hdr;
  const data = received._rdata;
  if (typeof end !== 'number' || end < 0 || !(data instanceof Uint8Array) || end > data.byteLength) return undefined;
  return { bytes: Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength), end };
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
  return (block && fieldsOfBlock(block.bytes, block.end)) ?? byClient(msg, block);
}

/**
 * The client's reading of the headers. It throws on a block it refuses (a name with a space or
 * a byte above ASCII, a lone CR or LF: only a raw client sends one); one such message must not
 * stop a consumer, so its headers are then read as they are, and without the block, not at all.
 */
function byClient(msg: Msg | JsMsg, block: HeaderBlock | undefined): HeaderFields {
  try {
    return fromNatsHeaders(msg.headers);
  } catch {
    return block ? fieldsOfBlock(block.bytes, block.end, false)! : fromNatsHeaders(undefined);
  }
}

const cr = 0x0d;
const lf = 0x0a;
const colon = 0x3a;

/**
 * The fields of the header block in bytes[0, end). Strict, it gives undefined when a name is not
 * plain (printable ASCII, which is what the client accepts) or a line holds a lone CR or LF (which
 * the client refuses), so that the client reads such a block; not strict, it reads any block as
 * it is (only CR LF ends a line; a name is the UTF-8 text before the first colon). One pass.
 */
export function fieldsOfBlock(bytes: Buffer, end: number, strict = true): HeaderFields | undefined {
  const fields = new HeaderFieldsReader();
  let seen: string[] | undefined;
  let i = 0;
  while (i < end && !(bytes[i] === cr && bytes[i + 1] === lf)) i++; // the status line
  for (let line = i + 2; line < end; ) {
    let at = line;
    let nameEnd = -1;
    let plain = true;
    for (; at < end && !(bytes[at] === cr && bytes[at + 1] === lf); at++) {
      const c = bytes[at]!;
      if (c === cr || c === lf) {
        if (strict) return undefined; // a lone CR or LF: the client refuses the block
        continue;
      }
      if (nameEnd >= 0) continue;
      if (c === colon) nameEnd = at;
      else if (c < 0x21 || c > 0x7e) plain = false;
    }
    if (nameEnd >= 0) {
      if (!plain && strict) return undefined;
      const name = bytes.toString(plain ? 'latin1' : 'utf8', line, nameEnd);
      if (!(seen ??= []).includes(name)) {
        seen.push(name);
        fields.add(name, bytes.toString('utf8', nameEnd + 1, at).trim());
      }
    }
    line = at + 2;
  }
  return fields.done();
}
