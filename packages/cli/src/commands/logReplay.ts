import type { Command } from 'commander';
import { HopbusError } from '@hopbus/core';
import type { GroupResetTarget } from '@hopbus/log';
import { LogInspector, resetGroup } from '@hopbus/log';
import type { CliContext } from '../CliContext.js';
import { formatTable } from '../format/formatTable.js';
import { parseCount } from '../log/parseCount.js';
import { requireLogDir } from '../log/requireLogDir.js';

interface ReplayOptions {
  toOffset?: string;
  toTime?: string;
  toEarliest?: boolean;
  toLatest?: boolean;
  partition?: string;
  create?: boolean;
}

/**
 * `hopbus log replay <dir> <topic> <group> --to-offset n | --to-time ISO | --to-earliest | --to-latest`:
 * moves a consumer group so that its actors re-read (or skip) records when the bus starts again.
 * The engine takes the dir's lock: while a bus runs there it refuses with `locked`, naming the
 * owner's pid, and nothing moves. A group with no position yet (a mistyped name) is refused
 * (`not_found`, listing the known groups) unless `--create` says to make it.
 */
export function addLogReplayCommand(log: Command, context: CliContext): void {
  log
    .command('replay')
    .description('Move a consumer group to an offset or a time, so it re-reads from there (the bus must be stopped).')
    .argument('<dir>', 'the log data dir')
    .argument('<topic>', 'the topic name')
    .argument('<group>', 'the consumer group (by default the actor name)')
    .option('--to-offset <n>', 'to this offset (in every partition, or in --partition)')
    .option('--to-time <iso>', 'to the first record at or after this time, e.g. 2025-06-01T12:00:00Z')
    .option('--to-earliest', 'to the first retained record')
    .option('--to-latest', 'past the last record (skip everything)')
    .option('-p, --partition <n>', 'with --to-offset: only this partition')
    .option('--create', 'make the group when it has no position yet (else a group the log does not know is refused)')
    .action(async (dir: string, topic: string, group: string, options: ReplayOptions) => {
      const target = targetOf(options);
      const root = requireLogDir(dir);
      const inspector = await LogInspector.open(root);
      let before: readonly number[] | undefined;
      try {
        inspector.describeTopic(topic); // not_found, with the known topics, before anything is locked
        const known = inspector.listGroups(topic);
        before = known.find((g) => g.group === group)?.partitions.map((p) => p.committed);
        if (before === undefined && options.create !== true) {
          const names = known.length === 0 ? 'it has none yet' : `its groups are ${known.map((g) => g.group).join(', ')}`;
          throw new HopbusError(
            'not_found',
            `Topic ${topic} has no group ${JSON.stringify(group)} (${names}). Check the name (a group is the actor's name unless @Subscribe sets one); to give a new group its position before it first runs, add --create.`,
          );
        }
      } finally {
        await inspector.close();
      }
      const after = await resetGroup(root, topic, group, target);
      const rows = after.map((offset, partition) => [String(partition), before?.[partition] === undefined ? '-' : String(before[partition]), String(offset)]);
      const out = context.io.stdout;
      out.write(formatTable([['PARTITION', 'FROM', 'TO'], ...rows]));
      out.write(`moved group ${group} of ${topic}${before === undefined ? ' (it had no position yet)' : ''}; it reads from there when the bus starts again\n`);
    });
}

function targetOf(options: ReplayOptions): GroupResetTarget {
  const given = [options.toOffset !== undefined, options.toTime !== undefined, options.toEarliest === true, options.toLatest === true].filter(Boolean).length;
  if (given !== 1) throw new HopbusError('config', 'Say where to move the group with exactly one of --to-offset <n>, --to-time <iso>, --to-earliest, --to-latest.');
  if (options.partition !== undefined && options.toOffset === undefined) throw new HopbusError('config', '--partition goes with --to-offset only.');
  if (options.toOffset !== undefined) {
    const offset = parseCount('--to-offset', options.toOffset);
    return options.partition === undefined ? { offset } : { offset, partition: parseCount('--partition', options.partition) };
  }
  if (options.toTime !== undefined) {
    const timestamp = /^\d{4}-\d{2}-\d{2}/.test(options.toTime) ? Date.parse(options.toTime) : Number.NaN;
    if (Number.isNaN(timestamp)) throw new HopbusError('config', `--to-time must be an ISO time such as 2025-06-01T12:00:00Z, not ${JSON.stringify(options.toTime)}.`);
    return { timestamp };
  }
  return { position: options.toEarliest ? 'earliest' : 'latest' };
}
