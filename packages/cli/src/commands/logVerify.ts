import { relative } from 'node:path';
import type { Command } from 'commander';
import type { LogProblem } from '@hopbus/log';
import { verifyLog } from '@hopbus/log';
import type { CliContext } from '../CliContext.js';
import { formatBytes } from '../format/formatBytes.js';
import { ProgressBar } from '../log/ProgressBar.js';
import { requireLogDir } from '../log/requireLogDir.js';
import { jsonOf } from './jsonOf.js';

/** Exit code of `log verify` (and `log repair`) when corruption is found (left): 2, apart from 1 for "could not check". */
export const corruptExitCode = 2;

/**
 * `hopbus log verify <dir>`: reads every segment, index and group offsets file; prints each
 * problem, then one summary line. Exits 2 when something is corrupt (a topic.json too: the summary
 * says to restore it, as repair cannot rebuild it); torn tails and index mismatches are reported
 * but repaired by a normal open, so they do not fail it.
 */
export function addLogVerifyCommand(log: Command, context: CliContext): void {
  log
    .command('verify')
    .description('Check every CRC, offset and index entry of a log data dir; exits 2 when something is corrupt. Changes nothing.')
    .argument('<dir>', 'the log data dir')
    .option('--json', 'print the VerifyReport as JSON')
    .action(async (dir: string, options: { json?: boolean }) => {
      const root = requireLogDir(dir);
      const bar = new ProgressBar(context.io.stderr, 'verifying');
      let report;
      try {
        report = await verifyLog(root, { onProgress: (p) => bar.update(p.bytesDone, p.bytesTotal, relative(root, p.file)) });
      } finally {
        bar.done();
      }
      const out = context.io.stdout;
      if (!report.ok) context.exitCode = corruptExitCode;
      if (options.json) {
        out.write(jsonOf(report));
        return;
      }
      for (const problem of report.problems) out.write(problemLine(root, problem));
      const checked = `${report.topics} topic${report.topics === 1 ? '' : 's'}, ${report.segments} segment${report.segments === 1 ? '' : 's'}, ${formatBytes(report.bytes)} checked`;
      const corrupt = report.problems.filter((p) => p.kind === 'corrupt').length;
      const descriptions = report.problems.filter((p) => p.kind === 'topic_description').length;
      const benign = report.problems.length - corrupt - descriptions;
      const notes = benign > 0 ? ` (${benign} torn tail or index problem${benign === 1 ? '' : 's'}: repaired when the log is next opened)` : '';
      const bad = corrupt + descriptions;
      out.write(report.ok ? `ok: ${checked}, no corruption${notes}\n` : `corrupt: ${bad} corrupt place${bad === 1 ? '' : 's'} in ${checked}${notes}. ${nextStep(dir, corrupt, descriptions)}\n`);
    });
}

/** What to do about a corrupt log: a topic description first (repair cannot rebuild it, and opens no log without it), then repair. */
function nextStep(dir: string, corrupt: number, descriptions: number): string {
  const repair = `hopbus log repair ${dir} with the bus stopped (copy the dir first if its records matter).`;
  if (descriptions === 0) return `Run ${repair}`;
  const fix = `Restore or rewrite the topic.json file${descriptions === 1 ? '' : 's'} named above: hopbus log repair cannot rebuild ${descriptions === 1 ? 'it' : 'them'}`;
  return corrupt === 0 ? `${fix}.` : `${fix}; then run ${repair}`;
}

function problemLine(root: string, problem: LogProblem): string {
  const label = problem.kind === 'corrupt' || problem.kind === 'topic_description' ? 'corrupt' : problem.kind === 'torn_tail' ? 'torn tail' : 'index';
  return `${label}: ${relative(root, problem.file)} at byte ${problem.position}: ${problem.reason}\n`;
}
