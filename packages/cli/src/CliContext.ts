import type { CliIo } from './CliIo.js';

/** Shared by the commands of one run: where to print, and the exit code a command wants (0 unless set). */
export interface CliContext {
  readonly io: CliIo;
  exitCode: number;
}
