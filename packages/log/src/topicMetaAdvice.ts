import { readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * What to do about a topic description (topic.json) that cannot be read. Repair cannot rebuild
 * it: its partition count decides which partition each key goes to, and only the user knows it.
 */
export function topicMetaAdvice(metaPath: string): string {
  const topicDir = dirname(metaPath);
  const folders = partitionFolders(topicDir);
  const rewrite =
    folders > 0
      ? `or write it again as {"version":1,"name":${JSON.stringify(basename(topicDir))},"partitions":${folders}} if ${folders} (the partition folders in ${topicDir}) is the count the topic had`
      : `or write it again as {"version":1,"name":${JSON.stringify(basename(topicDir))},"partitions":<n>} with the count the topic had`;
  return `hopbus log repair cannot rebuild it (the partition count decides where each key goes): restore ${metaPath} from a backup, ${rewrite}; or, when the topic's records are not needed, remove ${topicDir}. Copy the data dir first if its records matter.`;
}

/** How many partition folders (0, 1, … without a gap) the topic folder holds. */
function partitionFolders(topicDir: string): number {
  let names: Set<string>;
  try {
    names = new Set(readdirSync(topicDir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name));
  } catch {
    return 0;
  }
  let count = 0;
  while (names.has(String(count))) count++;
  return count;
}
