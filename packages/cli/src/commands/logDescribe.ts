import type { Command } from 'commander';
import type { CliContext } from '../CliContext.js';
import { formatBytes } from '../format/formatBytes.js';
import { formatDuration } from '../format/formatDuration.js';
import { formatTable } from '../format/formatTable.js';
import { formatTime } from '../format/formatTime.js';
import { withInspector } from '../log/withInspector.js';
import { jsonOf } from './jsonOf.js';

/** `hopbus log describe <dir> <topic> [--json]`: partitions, offsets, bytes, segments, oldest record, retention. */
export function addLogDescribeCommand(log: Command, context: CliContext): void {
  log
    .command('describe')
    .description('Describe one topic: partitions, offsets, bytes, oldest record, retention.')
    .argument('<dir>', 'the log data dir')
    .argument('<topic>', 'the topic name')
    .option('--json', 'print JSON (a TopicDescription)')
    .action(async (dir: string, topic: string, options: { json?: boolean }) => {
      const d = await withInspector(dir, (inspector) => inspector.describeTopic(topic));
      const out = context.io.stdout;
      if (options.json) {
        out.write(jsonOf(d));
        return;
      }
      const cap = Number.isFinite(d.retention.maxBytes) ? `at most ${formatBytes(d.retention.maxBytes)} for the topic` : 'no size cap';
      out.write(
        formatTable([
          ['topic', d.name],
          ['records', `${d.records} in ${d.partitions.length} partition${d.partitions.length === 1 ? '' : 's'}, ${formatBytes(d.bytes)} on disk`],
          ['oldest', formatTime(d.oldestTimestamp)],
          [
            'retention',
            `${formatDuration(d.retention.maxAgeMs)}, ${cap} ${d.retention.source === 'owner' ? "(as set by the bus that last opened the dir)" : '(engine defaults: no bus recorded its own)'}`,
          ],
        ]),
      );
      out.write('\n');
      const rows = d.partitions.map((p) => [
        String(p.partition),
        String(p.startOffset),
        String(p.endOffset),
        String(p.endOffset - p.startOffset),
        String(p.segments),
        formatBytes(p.bytes),
        formatTime(p.oldestTimestamp),
      ]);
      out.write(formatTable([['PARTITION', 'START', 'END', 'RECORDS', 'SEGMENTS', 'BYTES', 'OLDEST'], ...rows]));
    });
}
