import { run } from '../../src/index.js';
import type { OutputStream } from '../../src/index.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A stream that keeps what is written; `isTTY` as asked. */
export function captureStream(isTTY = false): OutputStream & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY, columns: 100, write: (text: string) => chunks.push(text), text: () => chunks.join('') };
}

/** Runs `hopbus <args...>` in-process with captured output. */
export async function runCli(args: readonly string[], options: { signal?: AbortSignal; stderrIsTTY?: boolean; env?: Record<string, string> } = {}): Promise<CliResult> {
  const stdout = captureStream();
  const stderr = captureStream(options.stderrIsTTY ?? false);
  const code = await run(['node', 'hopbus', ...args], { stdout, stderr, env: options.env ?? {}, ...(options.signal ? { signal: options.signal } : {}) });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
