import { join } from 'node:path';
import { run } from '../src/index.js';
import { captureStream, runCli } from './support/runCli.js';
import { tempDir } from './support/tempDir.js';
import { consume, record, writeLog } from './support/writeLog.js';

describe('hopbus log topics / describe / groups / tail', () => {
  const { dir, remove } = tempDir('inspect');
  beforeAll(async () => {
    await writeLog(dir, [
      ...Array.from({ length: 5 }, (_, n) => record('orders.placed', n, { key: `order-${n}` })),
      record('orders.placed', 5, { key: 'order 5', headers: { traceparent: '00-abc-def-01', note: 'two words' } }),
      record('orders.placed', 6, { data: new Uint8Array([0, 1, 2, 255, 254]) }),
      record('orders.placed', 7, { data: new TextEncoder().encode('plain text') }),
      record('audit', 0),
    ]);
    await consume(dir, 'orders.placed', 'payments', 3);
  });
  afterAll(remove);

  it('topics lists each topic with its records and oldest record', async () => {
    const result = await runCli(['log', 'topics', dir]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TOPIC\s+PARTITIONS\s+RECORDS\s+BYTES\s+OLDEST$/);
    expect(lines[1]).toMatch(/^audit\s+1\s+1\s+[\d.]+ K?i?B\s+2025-06-01T12:00:00\.000Z$/);
    expect(lines[2]).toMatch(/^orders\.placed\s+1\s+8\s+[\d.]+ K?i?B\s+2025-06-01T12:00:00\.000Z$/);
  });

  it('topics --json prints the descriptions', async () => {
    const result = await runCli(['log', 'topics', dir, '--json']);
    const topics = JSON.parse(result.stdout) as { name: string; records: number; retention: { maxBytes: number | null } }[];
    expect(topics.map((t) => [t.name, t.records])).toEqual([
      ['audit', 1],
      ['orders.placed', 8],
    ]);
    expect(topics[0]!.retention.maxBytes).toBeNull(); // no cap: Infinity is not JSON
  });

  it('describe shows partitions, offsets, bytes, oldest record and retention', async () => {
    const result = await runCli(['log', 'describe', dir, 'orders.placed']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^topic\s+orders\.placed\nrecords\s+8 in 1 partition, [\d.]+ K?i?B on disk\noldest\s+2025-06-01T12:00:00\.000Z\nretention\s+7 days, no size cap/);
    expect(result.stdout).toMatch(/PARTITION\s+START\s+END\s+RECORDS\s+SEGMENTS\s+BYTES\s+OLDEST\n0\s+0\s+8\s+8\s+1\s+[\d.]+ K?i?B\s+2025-06-01T12:00:00\.000Z\n$/);
    const json = JSON.parse((await runCli(['log', 'describe', dir, 'orders.placed', '--json'])).stdout) as { partitions: { endOffset: number }[] };
    expect(json.partitions[0]!.endOffset).toBe(8);
  });

  it('describe shows the retention a topic of its own was given', async () => {
    const own = tempDir('inspect-retention');
    try {
      await writeLog(own.dir, [record('metrics', 0)], { retention: { maxAgeMs: 3_600_000, topics: { metrics: { maxBytes: 512 * 1024 * 1024 } } } });
      const result = await runCli(['log', 'describe', own.dir, 'metrics']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/\nretention\s+1 hour, at most 512.0 MiB for the topic \(as set by the bus that last opened the dir\)\n/);
    } finally {
      own.remove();
    }
  });

  it('groups shows the committed offset and lag per partition', async () => {
    const result = await runCli(['log', 'groups', dir]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^TOPIC\s+GROUP\s+PARTITION\s+COMMITTED\s+END\s+LAG\s+UPDATED\norders\.placed\s+payments\s+0\s+3\s+8\s+5\s+\d{4}-/);
    const json = JSON.parse((await runCli(['log', 'groups', dir, 'orders.placed', '--json'])).stdout) as { group: string; lag: number }[];
    expect(json).toEqual([expect.objectContaining({ group: 'payments', lag: 5 })]);
    expect((await runCli(['log', 'groups', dir, 'audit'])).stdout).toBe('No consumer groups on audit: no group has committed a position yet.\n');
  });

  it('tail prints the newest records: offset, time, key, headers, then the payload', async () => {
    const result = await runCli(['log', 'tail', dir, 'orders.placed', '--limit', '3']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^#5 p0 2025-06-01T12:00:05\.000Z key="order 5" id=\S+ traceparent=00-abc-def-01 note="two words"$/);
    expect(lines[1]).toBe('  {"n":5}');
    expect(lines[2]).toMatch(/^#6 p0 2025-06-01T12:00:06\.000Z key=- id=\S+ x-n=6$/);
    expect(lines[3]).toBe('  binary, 5 bytes: 000102fffe');
    expect(lines[5]).toBe('  text "plain text"');
  });

  it('tail --from takes earliest, an offset or an ISO time', async () => {
    const first = await runCli(['log', 'tail', dir, 'orders.placed', '--from', 'earliest', '--limit', '1']);
    expect(first.stdout).toMatch(/^#0 p0 2025-06-01T12:00:00\.000Z key=order-0 id=\S+ x-n=0\n  \{"n":0\}\n$/);
    const fromOffset = await runCli(['log', 'tail', dir, 'orders.placed', '--from', '4', '-n', '2', '--json']);
    expect(fromOffset.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { offset: number }).offset)).toEqual([4, 5]);
    const fromTime = await runCli(['log', 'tail', dir, 'orders.placed', '--from', '2025-06-01T12:00:06Z', '--json']);
    const records = fromTime.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toEqual([
      expect.objectContaining({ offset: 6, key: null, base64: 'AAEC//4=' }),
      expect.objectContaining({ offset: 7, text: 'plain text' }),
    ]);
    expect((await runCli(['log', 'tail', dir, 'orders.placed', '--from', 'latest'])).stdout).toBe('');
  });

  it('tail --follow prints records written after it started, until stopped', async () => {
    const { dir: live, remove: removeLive } = tempDir('follow');
    try {
      await writeLog(live, [record('events', 0)]);
      const stdout = captureStream();
      const abort = new AbortController();
      const argv = ['node', 'hopbus', 'log', 'tail', live, 'events', '--follow', '--poll-ms', '20', '--json'];
      const tail = run(argv, { stdout, stderr: captureStream(), env: {}, signal: abort.signal });
      await writeLog(live, [record('events', 1), record('events', 2)]);
      const deadline = Date.now() + 5000;
      while (stdout.text().split('\n').length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      abort.abort();
      expect(await tail).toBe(0);
      expect(stdout.text().trimEnd().split('\n').map((l) => (JSON.parse(l) as { payload: unknown }).payload)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
    } finally {
      removeLive();
    }
  });

  it('inspection works while a live process owns the dir (read-only, no lock)', async () => {
    const { LogTransport } = await import('@hopbus/log');
    const owner = new LogTransport({ dir, fsync: 'never' });
    await owner.connect();
    try {
      const result = await runCli(['log', 'topics', dir]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('orders.placed');
      expect((await runCli(['log', 'tail', dir, 'audit'])).stdout).toContain('{"n":0}');
    } finally {
      await owner.close();
    }
  });

  it('unknown topic and missing dir: one line on stderr, exit 1', async () => {
    const unknown = await runCli(['log', 'describe', dir, 'nope']);
    expect(unknown).toEqual({ code: 1, stdout: '', stderr: expect.stringMatching(/^hopbus: There is no topic nope in .*\. Known topics: audit, orders\.placed\.\n$/) as unknown });
    const missing = await runCli(['log', 'topics', join(dir, 'missing')]);
    expect(missing).toEqual({ code: 1, stdout: '', stderr: expect.stringMatching(/^hopbus: There is no log data dir at .*missing\. Give the <dir> of the bus's log:<dir> transport URL\.\n$/) as unknown });
    const badFrom = await runCli(['log', 'tail', dir, 'audit', '--from', 'yesterday']);
    expect(badFrom.stderr).toBe('hopbus: --from must be earliest, latest, an offset or an ISO time such as 2025-06-01T12:00:00Z, not "yesterday".\n');
    const partition = await runCli(['log', 'tail', dir, 'audit', '-p', '3']);
    expect(partition.stderr).toBe('hopbus: Topic audit has no partition 3 (it has 1: 0 to 0).\n');
  });
});
