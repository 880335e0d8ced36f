import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogInspector, LogTransport } from '@hopbus/log';
import { makeRecord } from '@hopbus/testing';
import { tempDir } from './support/tempDir.js';

describe('the retention kept in the data dir', () => {
  let dir: string;
  let remove: () => void;
  beforeEach(() => ({ dir, remove } = tempDir('retentionFile')));
  afterEach(() => remove());

  it('keeps the policy of a topic named __proto__ and gives one named constructor the default', async () => {
    const week = 7 * 24 * 3600 * 1000;
    // A computed key is an own property named __proto__, as JSON config gives it.
    const topics = { ['__proto__']: { maxAgeMs: 60_000, maxBytes: 4096 }, 'toString': { maxAgeMs: 120_000 } };
    const transport = new LogTransport({ dir, fsync: 'never', retention: { maxAgeMs: week, topics } });
    await transport.connect();
    for (const name of ['__proto__', 'constructor', 'toString']) await transport.publish([makeRecord(name, 1)]);
    await transport.close();
    expect(JSON.parse(readFileSync(join(dir, '.retention.json'), 'utf8'))).toMatchObject({ topics: { ['__proto__']: { maxAgeMs: 60_000, maxBytes: 4096 } } });

    const inspector = await LogInspector.open(dir);
    try {
      expect(inspector.describeTopic('__proto__').retention).toEqual({ maxAgeMs: 60_000, maxBytes: 4096, source: 'owner' });
      expect(inspector.describeTopic('toString').retention).toEqual({ maxAgeMs: 120_000, maxBytes: Number.POSITIVE_INFINITY, source: 'owner' });
      expect(inspector.describeTopic('constructor').retention).toEqual({ maxAgeMs: week, maxBytes: Number.POSITIVE_INFINITY, source: 'owner' });
    } finally {
      await inspector.close();
    }
  });
});
