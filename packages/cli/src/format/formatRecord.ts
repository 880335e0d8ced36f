import type { LogRecord } from '@hopbus/log';
import { formatPayload } from './formatPayload.js';
import { formatTime } from './formatTime.js';

/**
 * A record on two lines: `#<offset> p<partition> <time> key=<key> id=<id> <header>=<value>...`,
 * then the payload indented (see formatPayload). Values with spaces or quotes are JSON-quoted.
 */
export function formatRecord(record: LogRecord): string {
  const fields = [`#${record.offset}`, `p${record.partition}`, formatTime(record.timestamp), `key=${quoted(record.key ?? '-')}`, `id=${record.id}`];
  for (const [name, value] of Object.entries(record.headers)) fields.push(`${name}=${quoted(value)}`);
  return `${fields.join(' ')}\n  ${formatPayload(record.data)}\n`;
}

function quoted(value: string): string {
  return value === '' || /[\s"=\\]/.test(value) ? JSON.stringify(value) : value;
}
