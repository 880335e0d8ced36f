import { Command } from 'commander';
import type { CliContext } from './CliContext.js';
import { addFlowCommand } from './commands/flow.js';
import { addGraphCommand } from './commands/graph.js';
import { addLogActorsCommand } from './commands/logActors.js';
import { addLogDescribeCommand } from './commands/logDescribe.js';
import { addLogGroupsCommand } from './commands/logGroups.js';
import { addLogRepairCommand } from './commands/logRepair.js';
import { addLogReplayCommand } from './commands/logReplay.js';
import { addLogTailCommand } from './commands/logTail.js';
import { addLogTopicsCommand } from './commands/logTopics.js';
import { addLogVerifyCommand } from './commands/logVerify.js';

/**
 * The `hopbus` program. Output goes to `context.io`; commander's usage errors are printed as one
 * `hopbus: ...` line and thrown as CommanderError (exitOverride), never through process.exit.
 * Subcommands are made with `.command()` so they inherit these settings.
 */
export function buildProgram(context: CliContext): Command {
  const { io } = context;
  const program = new Command('hopbus')
    .description('Inspect, verify and repair hopbus logs; draw the message flow of a system.')
    .version('0.1.0', '-V, --version')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`hopbus: ${text.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')} (see --help)\n`),
      getOutHelpWidth: () => io.stdout.columns ?? 100,
      getErrHelpWidth: () => io.stderr.columns ?? 100,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    });

  const log = program
    .command('log')
    .description('Inspect and maintain a durable log data dir (the <dir> of a log:<dir> transport URL).');
  addLogTopicsCommand(log, context);
  addLogDescribeCommand(log, context);
  addLogGroupsCommand(log, context);
  addLogActorsCommand(log, context);
  addLogTailCommand(log, context);
  addLogVerifyCommand(log, context);
  addLogRepairCommand(log, context);
  addLogReplayCommand(log, context);

  addGraphCommand(program, context);
  addFlowCommand(program, context);
  return program;
}
