import type { FileSystem } from './FileSystem.js';
import { groupOffsetsPath } from './groupOffsetsFile.js';

/** A record that may have ended a run: it was handed out and not settled when a run died. */
export interface Suspect {
  readonly offset: number;
  /** Runs in a row that ended (without a clean close) with this record handed out and not settled. */
  readonly runs: number;
  /** Handed out in the run that wrote this, and not settled when it was written. */
  readonly out: boolean;
}

/** One partition as a group last recorded it. */
export interface PartitionHeads {
  /** Every offset below was settled when this was written. */
  readonly committed: number;
  /** In offset order; none below `committed`. */
  readonly suspects: readonly Suspect[];
}

/** What a group records about its partitions, to count deliveries across restarts. */
export interface GroupHeads {
  readonly partitions: readonly PartitionHeads[];
  /** Written by a clean close: nothing was left handed out. */
  readonly clean: boolean;
  /** The epoch of the group's offsets these heads were recorded under (see GroupOffsets). */
  readonly epoch: string;
}

/** Beside the group's offsets file; tools that read `.offsets` files do not see it. */
export function groupHeadsPath(topicDir: string, group: string): string {
  return groupOffsetsPath(topicDir, group).replace(/\.offsets$/, '.heads');
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * The recorded heads, or undefined when there are none, they cannot be read (they only guide
 * delivery counts), or they were recorded under another `epoch` than the offsets' (the group was
 * moved since). File times cannot tell that: they are coarse, and ordinary commits rewrite the
 * offsets too, in the same tick as the heads or after them. Reads version 1 files (one head
 * per partition) as a partition with at most one suspect.
 */
export function readGroupHeads(fs: FileSystem, path: string, epoch: string): GroupHeads | undefined {
  try {
    const parsed = JSON.parse(fs.readTextSync(path)) as { version?: unknown; clean?: unknown; epoch?: unknown; partitions?: unknown; heads?: unknown };
    if (typeof parsed.clean !== 'boolean' || parsed.epoch !== epoch) return undefined;
    const partitions = parsed.version === 2 ? partitionsOfVersion2(parsed) : parsed.version === 1 ? partitionsOfVersion1(parsed) : undefined;
    return partitions && { partitions, clean: parsed.clean, epoch };
  } catch {
    return undefined;
  }
}

function partitionsOfVersion2(parsed: { partitions?: unknown }): PartitionHeads[] | undefined {
  if (!Array.isArray(parsed.partitions)) return undefined;
  const partitions: PartitionHeads[] = [];
  for (const entry of parsed.partitions as unknown[]) {
    const { committed, suspects } = (entry ?? {}) as { committed?: unknown; suspects?: unknown };
    if (!isCount(committed) || !Array.isArray(suspects)) return undefined;
    const read: Suspect[] = [];
    for (const suspect of suspects as unknown[]) {
      if (!Array.isArray(suspect)) return undefined;
      const [offset, runs, out] = suspect as unknown[];
      if (!isCount(offset) || !isCount(runs) || (out !== 0 && out !== 1)) return undefined;
      read.push({ offset, runs, out: out === 1 });
    }
    partitions.push({ committed, suspects: read });
  }
  return partitions;
}

function partitionsOfVersion1(parsed: { heads?: unknown }): PartitionHeads[] | undefined {
  if (!Array.isArray(parsed.heads)) return undefined;
  const partitions: PartitionHeads[] = [];
  for (const entry of parsed.heads as unknown[]) {
    const { offset, runs, handedOut } = (entry ?? {}) as { offset?: unknown; runs?: unknown; handedOut?: unknown };
    if (!isCount(offset) || !isCount(runs) || typeof handedOut !== 'boolean') return undefined;
    partitions.push({ committed: offset, suspects: handedOut || runs > 0 ? [{ offset, runs, out: handedOut }] : [] });
  }
  return partitions;
}

export function serializeGroupHeads(value: GroupHeads): string {
  const partitions = value.partitions.map((p) => ({ committed: p.committed, suspects: p.suspects.map((s) => [s.offset, s.runs, s.out ? 1 : 0]) }));
  return `${JSON.stringify({ version: 2, partitions, clean: value.clean, epoch: value.epoch })}\n`;
}
