import { readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { createBus } from '@hopbus/core';
import type { Logger } from '@hopbus/core';
import { LogTransport } from '@hopbus/log';
import { tempDir } from './support/tempDir.js';

describe('a log: URL given to createBus', () => {
  let dir: string;
  let remove: () => void;
  beforeEach(() => ({ dir, remove } = tempDir('bus-logger')));
  afterEach(() => remove());

  it("reports what opening the log repaired through the bus's logger, not on stderr", async () => {
    const writer = new LogTransport({ dir, fsync: 'never' });
    for (let n = 0; n < 2; n++) await writer.publish([{ id: `id-${n}`, topic: 'logger.t', headers: {}, data: Buffer.from(`payload ${n}`), timestamp: 1_700_000_000_000 + n }]);
    await writer.close();
    const partition = join(dir, 'logger.t', '0');
    const active = join(partition, readdirSync(partition).filter((f) => f.endsWith('.log')).sort().pop()!);
    truncateSync(active, statSync(active).size - 5); // a torn last batch, as a crash mid-write leaves

    const lines: { level: keyof Logger; message: string }[] = [];
    const at = (level: keyof Logger) => (message: string) => void lines.push({ level, message });
    const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
    const stderr = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const bus = await createBus({ transport: `log:${dir}`, logger, env: {} });
      await bus.start();
      await bus.stop();
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      stderr.mockRestore();
    }
    expect(lines).toContainEqual({ level: 'warn', message: expect.stringMatching(new RegExp(`^hopbus log: ${active}: cut \\d+ bytes at byte \\d+`)) });
  });
});
