import { readFileSync, statSync } from 'node:fs';
import { groupOffsetsPath } from './groupOffsetsFile.js';

/** One partition's head as a group last recorded it. */
export interface PartitionHead {
  /** Every offset below was settled when this was written. */
  readonly offset: number;
  /** Runs in a row that ended (without a clean close) with the record at `offset` handed out and not settled. */
  readonly runs: number;
  /** The record at `offset` was handed out in the run that wrote this. */
  readonly handedOut: boolean;
}

/** What a group records about its partitions' heads, to count deliveries across restarts. */
export interface GroupHeads {
  readonly heads: readonly PartitionHead[];
  /** Written by a clean close: nothing was left handed out. */
  readonly clean: boolean;
}

/** Beside the group's offsets file; tools that read `.offsets` files do not see it. */
export function groupHeadsPath(topicDir: string, group: string): string {
  return groupOffsetsPath(topicDir, group).replace(/\.offsets$/, '.heads');
}

/**
 * The recorded heads, or undefined when there are none, they cannot be read (they only guide
 * delivery counts), or they are not newer than `offsetsPath` (the group was moved since).
 */
export function readGroupHeads(path: string, offsetsPath: string): GroupHeads | undefined {
  try {
    if (statSync(path).mtimeMs <= statSync(offsetsPath).mtimeMs) return undefined;
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown; heads?: unknown; clean?: unknown };
    if (parsed.version !== 1 || !Array.isArray(parsed.heads) || typeof parsed.clean !== 'boolean') return undefined;
    const heads = parsed.heads as unknown[];
    const valid = heads.every((h) => {
      const head = h as Partial<PartitionHead> | null;
      return head !== null && Number.isSafeInteger(head.offset) && head.offset! >= 0 && Number.isSafeInteger(head.runs) && head.runs! >= 0 && typeof head.handedOut === 'boolean';
    });
    return valid ? { heads: heads as PartitionHead[], clean: parsed.clean } : undefined;
  } catch {
    return undefined;
  }
}

export function serializeGroupHeads(value: GroupHeads): string {
  return `${JSON.stringify({ version: 1, heads: value.heads, clean: value.clean })}\n`;
}
