import { crc32c } from '@node-rs/crc32';
import type { FileSystem } from '../FileSystem.js';
import { writeFileAtomic } from '../fileIo.js';

/**
 * How far the outputs of committed turns are in their partitions: every turn before journal
 * position `through` has them, and a turn after it wrote nothing before `ends` (per topic, each
 * partition's end offset when the checkpoint was taken).
 */
export interface AppliedCheckpoint {
  readonly through: number;
  readonly ends: Readonly<Record<string, readonly number[]>>;
}

const none: AppliedCheckpoint = { through: 0, ends: {} };

/** JSON, then its CRC32C in hex on the next line. */
export async function writeCheckpoint(fs: FileSystem, path: string, checkpoint: AppliedCheckpoint, durable: boolean): Promise<void> {
  const json = JSON.stringify(checkpoint);
  await writeFileAtomic(fs, path, `${json}\n${crc32c(json).toString(16).padStart(8, '0')}\n`, durable);
}

/**
 * The checkpoint at `path`; when it is missing or damaged, the one that claims nothing (open then
 * checks every turn of the journal against its partitions from their start: slower, never wrong).
 */
export function readCheckpoint(fs: FileSystem, path: string): AppliedCheckpoint {
  let text: string;
  try {
    text = fs.readTextSync(path);
  } catch {
    return none;
  }
  const [json = '', crc = ''] = text.split('\n');
  if (crc !== crc32c(json).toString(16).padStart(8, '0')) return none;
  try {
    const value = JSON.parse(json) as Partial<AppliedCheckpoint>;
    if (typeof value.through !== 'number' || typeof value.ends !== 'object' || value.ends === null) return none;
    return { through: value.through, ends: value.ends };
  } catch {
    return none;
  }
}
