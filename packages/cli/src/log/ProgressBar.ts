import type { OutputStream } from '../CliIo.js';
import { formatBytes } from '../format/formatBytes.js';

/**
 * A one-line progress bar redrawn in place on a terminal. Draws nothing when the stream is not a
 * TTY, nor before `delayMs` has passed (short work shows no bar), and at most every `intervalMs`.
 * `done()` erases it, so the summary that follows starts on a clean line.
 */
export class ProgressBar {
  private readonly startedAt = Date.now();
  private drawnAt = 0;
  private drawn = false;

  constructor(
    private readonly stream: OutputStream,
    private readonly label: string,
    private readonly options: { readonly delayMs?: number; readonly intervalMs?: number } = {},
  ) {}

  update(done: number, total: number, detail = ''): void {
    if (!this.stream.isTTY) return;
    const now = Date.now();
    if (now - this.startedAt < (this.options.delayMs ?? 300) || now - this.drawnAt < (this.options.intervalMs ?? 100)) return;
    this.drawnAt = now;
    const ratio = total > 0 ? Math.min(done / total, 1) : 1;
    const width = 30;
    const filled = Math.round(ratio * width);
    let line = `${this.label} [${'='.repeat(filled)}${' '.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${formatBytes(done)}/${formatBytes(total)} ${detail}`;
    const columns = this.stream.columns ?? 80;
    if (line.length > columns - 1) line = line.slice(0, columns - 2) + '…';
    this.stream.write(`\r${line}\x1b[K`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
