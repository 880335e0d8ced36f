import { readFileSync } from 'node:fs';
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
  /** The epoch of the group's offsets these heads were recorded under (see GroupOffsets). */
  readonly epoch: string;
}

/** Beside the group's offsets file; tools that read `.offsets` files do not see it. */
export function groupHeadsPath(topicDir: string, group: string): string {
  return groupOffsetsPath(topicDir, group).replace(/\.offsets$/, '.heads');
}

/**
 * The recorded heads, or undefined when there are none, they cannot be read (they only guide
 * delivery counts), or they were recorded under another `epoch` than the offsets' (the group was
 * moved since). File times cannot tell that: they are coarse, and ordinary commits rewrite the
 * offsets too, in the same tick as the heads or after them.
 */
export function readGroupHeads(path: string, epoch: string): GroupHeads | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown; heads?: unknown; clean?: unknown; epoch?: unknown };
    if (parsed.version !== 1 || !Array.isArray(parsed.heads) || typeof parsed.clean !== 'boolean' || parsed.epoch !== epoch) return undefined;
    const heads = parsed.heads as unknown[];
    const valid = heads.every((h) => {
      const head = h as Partial<PartitionHead> | null;
      return head !== null && Number.isSafeInteger(head.offset) && head.offset! >= 0 && Number.isSafeInteger(head.runs) && head.runs! >= 0 && typeof head.handedOut === 'boolean';
    });
    return valid ? { heads: heads as PartitionHead[], clean: parsed.clean, epoch } : undefined;
  } catch {
    return undefined;
  }
}

export function serializeGroupHeads(value: GroupHeads): string {
  return `${JSON.stringify({ version: 1, heads: value.heads, clean: value.clean, epoch: value.epoch })}\n`;
}
