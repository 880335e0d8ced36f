import { setTimeout as sleep } from 'node:timers/promises';
import { Option } from 'commander';
import type { Command } from 'commander';
import { HopbusError } from '@hopbus/core';
import type { LogInspector, LogRecord, PartitionDescription } from '@hopbus/log';
import type { CliContext } from '../CliContext.js';
import { formatRecord } from '../format/formatRecord.js';
import { recordJson } from '../format/recordJson.js';
import { parseCount } from '../log/parseCount.js';
import type { TailStart } from '../log/parseTailStart.js';
import { parseTailStart } from '../log/parseTailStart.js';
import { withInspector } from '../log/withInspector.js';

interface TailOptions {
  from?: string;
  follow?: boolean;
  limit: string;
  partition?: string;
  json?: boolean;
  pollMs: string;
}

/**
 * `hopbus log tail <dir> <topic>`: prints records of the topic's partitions merged by time.
 * Without --from, the newest `--limit` records; with it, the first `--limit` from there. With
 * --follow, then every record written after, polling the dir read-only, until interrupted.
 */
export function addLogTailCommand(log: Command, context: CliContext): void {
  log
    .command('tail')
    .description('Print records of a topic: offset, time, key, id, headers, then the payload (JSON as text, else a summary).')
    .argument('<dir>', 'the log data dir')
    .argument('<topic>', 'the topic name')
    .option('--from <where>', 'earliest | latest | <offset> | <ISO time> (default: the newest --limit records)')
    .option('-f, --follow', 'keep printing records as they are written (Ctrl-C to stop)')
    .option('-n, --limit <n>', 'at most this many records from the existing log', '20')
    .option('-p, --partition <n>', 'only this partition (default: all, merged by time)')
    .option('--json', 'print one JSON object per line')
    .addOption(new Option('--poll-ms <ms>', 'how often --follow looks for new records').default('500').hideHelp())
    .action(async (dir: string, topic: string, options: TailOptions) => {
      const start = parseTailStart(options.from);
      const limit = parseCount('--limit', options.limit);
      const pollMs = parseCount('--poll-ms', options.pollMs, 1);
      const only = options.partition === undefined ? undefined : parseCount('--partition', options.partition);
      const print = (record: LogRecord): void => void context.io.stdout.write(options.json ? recordJson(record) : formatRecord(record));

      const next = await withInspector(dir, async (inspector) => {
        const partitions = selectPartitions(inspector.describeTopic(topic).partitions, only, topic);
        const records: LogRecord[] = [];
        for (const p of partitions) records.push(...(await readFrom(inspector, topic, p, start, limit)));
        records.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
        const shown = start.kind === 'last' ? records.slice(Math.max(0, records.length - limit)) : records.slice(0, limit);
        shown.forEach(print);
        return new Map(partitions.map((p) => [p.partition, p.endOffset]));
      });
      if (!options.follow) return;

      const signal = context.io.signal;
      while (!signal?.aborted) {
        try {
          await sleep(pollMs, undefined, signal ? { signal } : {});
        } catch {
          return; // aborted
        }
        await withInspector(dir, async (inspector) => {
          for (const p of inspector.describeTopic(topic).partitions) {
            if (only !== undefined && p.partition !== only) continue;
            let offset = Math.max(next.get(p.partition) ?? p.startOffset, p.startOffset);
            while (offset < p.endOffset) {
              const batch = await inspector.readRecords(topic, { partition: p.partition, offset, limit: 500 });
              if (batch.length === 0) break;
              batch.forEach(print);
              offset = batch[batch.length - 1]!.offset + 1;
            }
            next.set(p.partition, Math.max(offset, p.endOffset));
          }
        });
      }
    });
}

function selectPartitions(all: readonly PartitionDescription[], only: number | undefined, topic: string): readonly PartitionDescription[] {
  if (only === undefined) return all;
  const partition = all.find((p) => p.partition === only);
  if (!partition) throw new HopbusError('not_found', `Topic ${topic} has no partition ${only} (it has ${all.length}: 0 to ${all.length - 1}).`);
  return [partition];
}

/** Up to `limit` records of one partition from where `start` says. */
function readFrom(inspector: LogInspector, topic: string, p: PartitionDescription, start: TailStart, limit: number): Promise<LogRecord[]> {
  const partition = p.partition;
  const clamp = (offset: number): number => Math.min(Math.max(offset, p.startOffset), p.endOffset);
  switch (start.kind) {
    case 'last':
      return inspector.readRecords(topic, { partition, offset: clamp(p.endOffset - limit), limit });
    case 'earliest':
      return inspector.readRecords(topic, { partition, offset: p.startOffset, limit });
    case 'latest':
      return Promise.resolve([]);
    case 'offset':
      return inspector.readRecords(topic, { partition, offset: clamp(start.offset), limit });
    case 'time':
      return inspector.readRecords(topic, { partition, timestamp: start.timestamp, limit });
  }
}
