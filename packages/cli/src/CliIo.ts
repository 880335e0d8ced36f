/** Where a stream of the CLI writes: process.stdout and process.stderr fit, and so does a test's buffer. */
export interface OutputStream {
  write(text: string): unknown;
  /** True when a terminal reads the stream: progress bars are drawn only then. */
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/**
 * What a run of the CLI talks to. Commands never touch `process` themselves, so tests run them
 * in-process and read what they printed.
 */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Environment read by the CLI (`HOPBUS_DEBUG=1` prints stacks of unexpected errors). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborting it ends a command that runs until stopped (`log tail --follow`) cleanly. */
  readonly signal?: AbortSignal;
}

/** The real process's streams and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}
