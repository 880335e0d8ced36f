import { join } from 'node:path';
import { writeFileAtomicSync } from './fileIo.js';
import type { FileSystem } from './FileSystem.js';
import type { ResolvedRetention, TopicRetention } from './LogOptions.js';

/** The retention a bus opened the dir with, kept in the dir so that tools can show it. */
export interface StoredRetention extends TopicRetention {
  readonly topics: Readonly<Record<string, TopicRetention>>;
}

const fileName = '.retention.json';

/**
 * Written by the owning process on open, atomically and (`durable`) synced, so that tools show
 * it after a power loss too. No cap is `null` on disk.
 */
export function writeRetention(fs: FileSystem, dir: string, retention: ResolvedRetention, durable: boolean): void {
  const stored = (policy: TopicRetention): { maxAgeMs: number; maxBytes: number | null } => ({
    maxAgeMs: policy.maxAgeMs,
    maxBytes: Number.isFinite(policy.maxBytes) ? policy.maxBytes : null,
  });
  const topics = Object.fromEntries(Object.entries(retention.topics).map(([name, policy]) => [name, stored(policy)]));
  writeFileAtomicSync(fs, join(dir, fileName), `${JSON.stringify({ version: 2, ...stored(retention), topics })}\n`, durable);
}

/** What the last owner wrote, or undefined when nothing (or nothing readable, or an older format) is there. */
export function readRetention(fs: FileSystem, dir: string): StoredRetention | undefined {
  try {
    const parsed = JSON.parse(fs.readTextSync(join(dir, fileName))) as { version?: unknown; topics?: unknown };
    if (parsed.version !== 2) return undefined;
    const log = policyOf(parsed);
    if (!log || typeof parsed.topics !== 'object' || parsed.topics === null) return undefined;
    const entries: [string, TopicRetention][] = [];
    for (const [name, value] of Object.entries(parsed.topics)) {
      const policy = policyOf(value);
      if (!policy) return undefined;
      entries.push([name, policy]);
    }
    // fromEntries makes every name an own property, `__proto__` too (an assignment would set the prototype).
    return { ...log, topics: Object.fromEntries(entries) };
  } catch {
    return undefined;
  }
}

function policyOf(value: unknown): TopicRetention | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { maxAgeMs, maxBytes } = value as { maxAgeMs?: unknown; maxBytes?: unknown };
  const bytes = maxBytes === null ? Number.POSITIVE_INFINITY : maxBytes;
  if (typeof maxAgeMs !== 'number' || !(maxAgeMs > 0) || typeof bytes !== 'number' || !(bytes > 0)) return undefined;
  return { maxAgeMs, maxBytes: bytes };
}
