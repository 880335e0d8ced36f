import type { LogRecord } from '@hopbus/log';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A record as one JSON line for `log tail --json`: the payload as `payload` (parsed) when it is
 * UTF-8 JSON, as `text` when it is other UTF-8, else as `base64`.
 */
export function recordJson(record: LogRecord): string {
  let body: Record<string, unknown>;
  try {
    const text = utf8.decode(record.data);
    try {
      body = { payload: JSON.parse(text) as unknown };
    } catch {
      body = { text };
    }
  } catch {
    body = { base64: Buffer.from(record.data).toString('base64') };
  }
  return `${JSON.stringify({
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    time: new Date(record.timestamp).toISOString(),
    key: record.key ?? null,
    id: record.id,
    headers: record.headers,
    ...body,
  })}\n`;
}
