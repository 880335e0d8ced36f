export { run } from './run.js';
export { buildProgram } from './program.js';
export { processIo } from './CliIo.js';
export type { CliIo, OutputStream } from './CliIo.js';
export type { CliContext } from './CliContext.js';
