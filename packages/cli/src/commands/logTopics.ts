import type { Command } from 'commander';
import type { CliContext } from '../CliContext.js';
import { formatBytes } from '../format/formatBytes.js';
import { formatTable } from '../format/formatTable.js';
import { formatTime } from '../format/formatTime.js';
import { withInspector } from '../log/withInspector.js';
import { jsonOf } from './jsonOf.js';

/** `hopbus log topics <dir> [--json]`: every topic with its partitions, records, bytes and oldest record. */
export function addLogTopicsCommand(log: Command, context: CliContext): void {
  log
    .command('topics')
    .description('List the topics of a log data dir (read-only: works while a bus runs there).')
    .argument('<dir>', 'the log data dir')
    .option('--json', 'print JSON (the TopicDescription of each topic)')
    .action(async (dir: string, options: { json?: boolean }) => {
      const topics = await withInspector(dir, (inspector) => inspector.listTopics());
      const out = context.io.stdout;
      if (options.json) {
        out.write(jsonOf(topics));
        return;
      }
      if (topics.length === 0) {
        out.write(`No topics in ${dir}: nothing was published there yet.\n`);
        return;
      }
      const rows = topics.map((t) => [t.name, String(t.partitions.length), String(t.records), formatBytes(t.bytes), formatTime(t.oldestTimestamp)]);
      out.write(formatTable([['TOPIC', 'PARTITIONS', 'RECORDS', 'BYTES', 'OLDEST'], ...rows]));
    });
}
