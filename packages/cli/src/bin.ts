#!/usr/bin/env node
import { errorMessage } from './errorMessage.js';
import { run } from './run.js';

// A reader that goes away (`hopbus log tail … | head`) ends the command quietly, as other tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  fail(error);
});
process.stderr.on('error', () => process.exit(process.exitCode ?? 1)); // nowhere left to say it
// run() reports its own errors; anything thrown outside it (a stream, a timer) is one line too, never a stack.
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

function fail(error: unknown): never {
  process.stderr.write(`hopbus: ${errorMessage(error)}\n`);
  if (process.env['HOPBUS_DEBUG'] === '1' && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
}

// The exit code is set, not forced: pending writes to stdout (a pipe) are flushed before exit.
process.exitCode = await run(process.argv);
