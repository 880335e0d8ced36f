import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from './fileIo.js';

/** The retention a bus opened the dir with, kept in the dir so that tools can show it. */
export interface StoredRetention {
  readonly ms: number;
  /** `null` on disk: no size cap. */
  readonly bytes: number;
}

const fileName = '.retention.json';

/** Written by the owning process on open (atomically; a lost write only means tools show defaults). */
export function writeRetention(dir: string, retention: StoredRetention): void {
  const bytes = Number.isFinite(retention.bytes) ? retention.bytes : null;
  writeFileAtomicSync(join(dir, fileName), `${JSON.stringify({ ms: retention.ms, bytes })}\n`, false);
}

/** What the last owner wrote, or undefined when nothing (or nothing readable) is there. */
export function readRetention(dir: string): StoredRetention | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, fileName), 'utf8')) as { ms?: unknown; bytes?: unknown };
    if (typeof parsed.ms !== 'number' || !(parsed.ms > 0)) return undefined;
    const bytes = parsed.bytes === null ? Infinity : parsed.bytes;
    if (typeof bytes !== 'number' || !(bytes > 0)) return undefined;
    return { ms: parsed.ms, bytes };
  } catch {
    return undefined;
  }
}
