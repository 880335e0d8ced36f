/**
 * How a string that NATS headers cannot carry exactly travels instead. NATS headers are
 * HTTP-like lines: the client trims values, and names are printable ASCII without ':'. A value
 * with leading or trailing white space (as String.prototype.trim sees it) or a CR or LF, and a name outside
 * printable ASCII, are sent as a marker + base64url(UTF-8): `~b64:` for values, `~b64~` for names
 * (':' cannot appear in a name). Anything that starts with its marker is encoded too, so decoding
 * is exact. Other values, unicode included, go as UTF-8 as is. (A lone UTF-16 surrogate cannot be UTF-8:
 * it arrives as U+FFFD, as with any UTF-8 transport.)
 */
const valueMarker = '~b64:';
const nameMarker = '~b64~';

const plainName = /^[\x21-\x39\x3b-\x7d]+$/;

function encode(marker: string, text: string): string {
  return marker + Buffer.from(text, 'utf8').toString('base64url');
}

function decode(marker: string, text: string): string {
  return text.startsWith(marker) ? Buffer.from(text.slice(marker.length), 'base64url').toString('utf8') : text;
}

/** The value as it goes on the wire. */
export function encodeHeaderValue(value: string): string {
  const plain =
    !value.startsWith(valueMarker) && value === value.trim() && !/[\r\n]/.test(value);
  return plain ? value : encode(valueMarker, value);
}

/** The name as it goes on the wire; `reserved` names (lower-case) are always encoded. */
export function encodeHeaderName(name: string, reserved: ReadonlySet<string>): string {
  const lower = name.toLowerCase();
  const plain = plainName.test(name) && !lower.startsWith('nats-') && !reserved.has(lower) && !name.startsWith('~');
  return plain ? name : encode(nameMarker, name);
}

/** Inverse of encodeHeaderValue. */
export function decodeHeaderValue(text: string): string {
  return decode(valueMarker, text);
}

/** Inverse of encodeHeaderName. */
export function decodeHeaderName(text: string): string {
  return decode(nameMarker, text);
}
