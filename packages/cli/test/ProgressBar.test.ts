import { ProgressBar } from '../src/log/ProgressBar.js';
import { captureStream } from './support/runCli.js';

describe('ProgressBar', () => {
  it('redraws one line in place on a TTY and erases it when done', () => {
    const tty = captureStream(true);
    const bar = new ProgressBar(tty, 'verifying', { delayMs: 0, intervalMs: 0 });
    bar.update(512, 2048, 'orders/0/00000000000000000000.log');
    bar.done();
    expect(tty.text()).toBe(`\rverifying [========${' '.repeat(22)}]  25% 512 B/2.0 KiB orders/0/00000000000000000000.log\x1b[K\r\x1b[K`);
  });

  it('draws nothing when the stream is not a TTY, or before the delay', () => {
    const pipe = captureStream(false);
    new ProgressBar(pipe, 'verifying', { delayMs: 0, intervalMs: 0 }).update(1, 2);
    const tty = captureStream(true);
    const late = new ProgressBar(tty, 'verifying', { delayMs: 60_000 });
    late.update(1, 2);
    late.done();
    expect(pipe.text() + tty.text()).toBe('');
  });
});
