import { CommanderError } from 'commander';
import type { CliContext } from './CliContext.js';
import type { CliIo } from './CliIo.js';
import { processIo } from './CliIo.js';
import { errorMessage } from './errorMessage.js';
import { buildProgram } from './program.js';

/**
 * Runs the hopbus command line on `argv` (as in process.argv: node, script, then the arguments)
 * and resolves to the exit code: 0 on success, 1 on an error (one line `hopbus: <message>` on
 * stderr, never a stack), 2 when `log verify` or `log repair` leave corruption behind. Never
 * rejects and never calls process.exit.
 */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const context: CliContext = { io, exitCode: 0 };
  const program = buildProgram(context);
  try {
    await program.parseAsync([...argv], { from: 'node' });
    return context.exitCode;
  } catch (error) {
    // Commander already printed its own message (usage errors) or the help.
    if (error instanceof CommanderError) return error.exitCode;
    io.stderr.write(`hopbus: ${errorMessage(error)}\n`);
    if (io.env['HOPBUS_DEBUG'] === '1' && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return context.exitCode === 0 ? 1 : context.exitCode;
  }
}
