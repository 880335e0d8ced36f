import { spawn, spawnSync } from 'node:child_process';
import type { SpawnSyncOptions } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './support/tempDir.js';
import { consume, record, writeLog } from './support/writeLog.js';

const bin = join(__dirname, '..', 'dist', 'bin.js');

/** Runs the built binary, as a user would. */
function hopbus(args: readonly string[], options: SpawnSyncOptions = {}): { status: number | null; stdout: string; stderr: string } {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build first (npm run build). The root npm test builds before jest.`);
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 20_000, ...options });
  return { status: result.status, stdout: String(result.stdout), stderr: String(result.stderr) };
}

const stackLine = /^\s+at .+:\d+:\d+\)?$/m;

/** One line `hopbus: <message>` on stderr, exit 1, and no stack. */
function expectOneLineError(result: { status: number | null; stdout: string; stderr: string }): string {
  expect(result.stderr).not.toMatch(stackLine);
  expect(result.stderr).toMatch(/^hopbus: [^\n]+\n$/);
  expect(result.status).toBe(1);
  return result.stderr;
}

describe('the built hopbus binary on bad dirs and names: one line that says what to do, never a stack', () => {
  let base: string;
  let remove: () => void;
  beforeEach(() => ({ dir: base, remove } = tempDir('binErrors')));
  afterEach(() => remove());

  const records = Array.from({ length: 3 }, (_, n) => record('orders', n));

  it('refuses a data dir it may not write in (as root too: then it runs as the user nobody)', async () => {
    const dir = join(base, 'log');
    await writeLog(dir, records);
    chmodSync(base, 0o755);
    chmodSync(dir, 0o555);
    const asRoot = process.getuid?.() === 0;
    const stderr = expectOneLineError(hopbus(['log', 'repair', dir], asRoot ? { uid: 65534, gid: 65534 } : {}));
    expect(stderr).toMatch(new RegExp(`^hopbus: This process \\(user id \\d+\\) may not write in the log data dir ${dir} \\(open .*: EACCES\\)\\. Give it write access`));
  });

  it('refuses a group name too long for the log', async () => {
    const dir = join(base, 'log');
    await writeLog(dir, records);
    const stderr = expectOneLineError(hopbus(['log', 'replay', dir, 'orders', 'g'.repeat(101), '--to-earliest', '--create']));
    expect(stderr).toContain('is 101 bytes long; the log allows at most 100 bytes of UTF-8');
  });

  it('refuses to replay a group the log does not know, listing the known ones, unless --create', async () => {
    const dir = join(base, 'log');
    await writeLog(dir, records);
    expect(await consume(dir, 'orders', 'billing', 3)).toEqual([0, 1, 2]);
    expect(await consume(dir, 'orders', 'shipping', 1)).toEqual([0]);
    const stderr = expectOneLineError(hopbus(['log', 'replay', dir, 'orders', 'biling', '--to-earliest']));
    expect(stderr).toBe(
      'hopbus: Topic orders has no group "biling" (its groups are billing, shipping). Check the name (a group is the actor\'s name unless @Subscribe sets one); to give a new group its position before it first runs, add --create.\n',
    );
    expect(readdirSync(join(dir, 'orders', 'groups')).filter((f) => f.endsWith('.offsets')).sort()).toEqual(['billing.offsets', 'shipping.offsets']);

    const created = hopbus(['log', 'replay', dir, 'orders', 'audit', '--to-latest', '--create']);
    expect(created).toEqual({ status: 0, stderr: '', stdout: 'PARTITION  FROM  TO\n0          -     3\nmoved group audit of orders (it had no position yet); it reads from there when the bus starts again\n' });
  });

  it('says how to fix a corrupt topic.json instead of sending the user to repair', async () => {
    const dir = join(base, 'log');
    await writeLog(dir, records);
    const meta = join(dir, 'orders', 'topic.json');
    writeFileSync(meta, '{"version":1,"partit');
    const advice = `restore ${meta} from a backup, or write it again as {"version":1,"name":"orders","partitions":1} if 1 (the partition folders in ${join(dir, 'orders')}) is the count the topic had; or, when the topic's records are not needed, remove ${join(dir, 'orders')}.`;

    const repair = expectOneLineError(hopbus(['log', 'repair', dir]));
    expect(repair).toContain(`${meta} is corrupt at byte 0: the topic description is not valid JSON with a partition count. hopbus log repair cannot rebuild it`);
    expect(repair).toContain(advice);
    expect(repair).not.toMatch(/Run (repairLog|hopbus log repair)/);

    const verify = hopbus(['log', 'verify', dir]);
    expect(verify.status).toBe(2);
    expect(verify.stdout).toContain(advice);
    expect(verify.stdout).toMatch(/\. Restore or rewrite the topic\.json file named above: hopbus log repair cannot rebuild it\.\n$/);
    expect(verify.stdout).not.toMatch(/Run hopbus log repair/);
  });

  it('refuses a data dir that is a file', () => {
    const file = join(base, 'file');
    writeFileSync(file, 'x');
    for (const command of [['log', 'repair', file], ['log', 'replay', file, 'orders', 'g', '--to-earliest']]) {
      expect(expectOneLineError(hopbus(command))).toBe(`hopbus: ${file} is a file, not a log data dir. Give the <dir> of the bus's log:<dir> transport URL.\n`);
    }
    mkdirSync(join(base, 'empty'));
    expect(expectOneLineError(hopbus(['log', 'replay', join(base, 'empty'), 'orders', 'g', '--to-earliest']))).toMatch(/^hopbus: There is no topic orders in /);
  });

  it('ends quietly when its reader goes away (hopbus log tail | head)', async () => {
    const dir = join(base, 'log');
    await writeLog(dir, Array.from({ length: 3000 }, (_, n) => record('orders', n)));
    const child = spawn(process.execPath, [bin, 'log', 'tail', dir, 'orders', '-n', '3000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // The reader takes the first chunk, then closes the pipe while the tail still has most to write.
    await new Promise((resolve) => child.stdout.once('data', resolve));
    child.stdout.destroy();
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
