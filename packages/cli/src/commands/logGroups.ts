import type { Command } from 'commander';
import type { CliContext } from '../CliContext.js';
import { formatTable } from '../format/formatTable.js';
import { formatTime } from '../format/formatTime.js';
import { withInspector } from '../log/withInspector.js';
import { jsonOf } from './jsonOf.js';

/** `hopbus log groups <dir> [topic] [--json]`: each consumer group's committed offset and lag per partition. */
export function addLogGroupsCommand(log: Command, context: CliContext): void {
  log
    .command('groups')
    .description('List consumer groups with their committed offset and lag per partition.')
    .argument('<dir>', 'the log data dir')
    .argument('[topic]', 'only the groups of this topic')
    .option('--json', 'print JSON (the GroupDescription of each group)')
    .action(async (dir: string, topic: string | undefined, options: { json?: boolean }) => {
      const groups = await withInspector(dir, (inspector) => inspector.listGroups(topic));
      const out = context.io.stdout;
      if (options.json) {
        out.write(jsonOf(groups));
        return;
      }
      if (groups.length === 0) {
        out.write(`No consumer groups ${topic === undefined ? `in ${dir}` : `on ${topic}`}: no group has committed a position yet.\n`);
        return;
      }
      const rows = groups.flatMap((g) =>
        g.partitions.map((p) => [g.topic, g.group, String(p.partition), String(p.committed), String(p.endOffset), String(p.lag), formatTime(g.updatedAt)]),
      );
      out.write(formatTable([['TOPIC', 'GROUP', 'PARTITION', 'COMMITTED', 'END', 'LAG', 'UPDATED'], ...rows]));
    });
}
