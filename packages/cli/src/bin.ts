#!/usr/bin/env node
import { run } from './run.js';

// The exit code is set, not forced: pending writes to stdout (a pipe) are flushed before exit.
process.exitCode = await run(process.argv);
