import { relative } from 'node:path';
import type { Command } from 'commander';
import type { RepairProgress } from '@hopbus/log';
import { repairLog } from '@hopbus/log';
import type { CliContext } from '../CliContext.js';
import { ProgressBar } from '../log/ProgressBar.js';
import { requireLogDir } from '../log/requireLogDir.js';
import { corruptExitCode } from './logVerify.js';

/**
 * `hopbus log repair <dir>`: cuts each corrupt segment at its last valid batch, rebuilds indexes,
 * resets groups with damaged offsets to the earliest record, then verifies. Takes the dir's lock,
 * so it refuses (`locked`, naming the owner's pid) while a bus runs there. Exits 2 when the log is
 * still corrupt afterwards. On a terminal, each pass (repairing, verifying) draws its own bar.
 */
export function addLogRepairCommand(log: Command, context: CliContext): void {
  log
    .command('repair')
    .description('Repair a log data dir in place (stop the bus first; records after a corrupt byte in its segment are lost, so copy the dir first if they matter).')
    .argument('<dir>', 'the log data dir')
    .action(async (dir: string) => {
      const root = requireLogDir(dir);
      let phase: RepairProgress['phase'] = 'repairing';
      let bar = new ProgressBar(context.io.stderr, phase);
      let report;
      try {
        report = await repairLog(root, {
          onProgress: (p) => {
            if (p.phase !== phase) {
              bar.done();
              phase = p.phase;
              bar = new ProgressBar(context.io.stderr, phase);
            }
            bar.update(p.bytesDone, p.bytesTotal, relative(root, p.file));
          },
        });
      } finally {
        bar.done();
      }
      const out = context.io.stdout;
      for (const action of report.actions) out.write(`${action.kind.replace('_', ' ')}: ${relative(root, action.file) || action.file}: ${action.detail}\n`);
      const done = report.actions.length === 0 ? 'nothing to repair' : `repaired: ${report.actions.length} action${report.actions.length === 1 ? '' : 's'}`;
      if (report.ok) {
        out.write(`${done}; the log verifies clean\n`);
      } else {
        context.exitCode = corruptExitCode;
        out.write(`${done}, but the log is still corrupt: run hopbus log verify ${dir} to see where.\n`);
      }
    });
}
