const utf8 = new TextDecoder('utf-8', { fatal: true });
const previewBytes = 32;

/**
 * A payload for a terminal, on one line: the JSON text as stored when it is UTF-8 JSON; a quoted
 * string when it is other UTF-8 text; else `binary, <n> bytes: <hex of the first 32 bytes>…`.
 */
export function formatPayload(data: Uint8Array): string {
  let text: string | undefined;
  try {
    text = utf8.decode(data);
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    try {
      JSON.parse(text);
      return text.includes('\n') ? JSON.stringify(JSON.parse(text)) : text;
    } catch {
      // not JSON: shown as text when it prints safely
    }
    if (!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) return `text ${JSON.stringify(text)}`;
  }
  const hex = Buffer.from(data.subarray(0, previewBytes)).toString('hex');
  return `binary, ${data.byteLength} bytes: ${hex}${data.byteLength > previewBytes ? '…' : ''}`;
}
