import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, fixturesDir } from './support/ensureBuilt.js';
import { tempDir } from './support/tempDir.js';

/** Runs the keep-alive child on `url` to its end; its exit code and the lines it printed. */
function runChild(url: string): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(fixturesDir, 'keepAliveChild.mjs'), url], { timeout: 60_000 }, (error, stdout) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, lines: stdout.split('\n').filter(Boolean) });
    });
  });
}

describe('a started bus with subscriptions', () => {
  beforeAll(() => ensureBuilt(), 60_000);

  it.each(['memory:', 'log'])('keeps the process alive until it is stopped (%s)', async (scheme) => {
    const { dir, remove } = tempDir('keep-alive');
    try {
      const result = await runChild(scheme === 'log' ? `log:${dir}` : scheme);
      expect(result).toEqual({ code: 0, lines: ['started', 'handled', 'stopped'] });
    } finally {
      remove();
    }
  }, 60_000);
});
