import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';

const repo = resolve(__dirname, '../../..');
const guide = readFileSync(join(repo, 'docs/getting-started.md'), 'utf8');

interface Block {
  readonly marker: string | undefined;
  readonly lang: string;
  readonly text: string;
}

const blocks: Block[] = [...guide.matchAll(/(?:<!-- getting-started test: (\w+) -->\n)?```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ marker: m[1], lang: m[2]!, text: m[3]! }));

function marked(marker: string): string {
  const found = blocks.filter((b) => b.marker === marker);
  if (found.length !== 1) throw new Error(`docs/getting-started.md has ${found.length} blocks marked '${marker}', not 1`);
  return found[0]!.text;
}

/** The code blocks whose first line names their file: `// src/main.ts`. */
const files = blocks.flatMap((b) => {
  const named = /^\/\/ (\S+)\n/.exec(b.text);
  return named ? [{ path: named[1]!, text: b.text }] : [];
});

/** Runs a shell block of the guide with bash, failing on the first failing line; returns its output. */
function runBlock(text: string, cwd: string, env: NodeJS.ProcessEnv): string {
  return execFileSync('bash', ['-euo', 'pipefail', '-c', text], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Follows docs/getting-started.md as a new user would, in a fresh project outside the repository:
 * packs the built packages (npm test builds first), installs the tarballs, writes the guide's
 * files, compiles and runs them. npm prefers its local cache; HOME is the temporary folder, so
 * that `~/hopbus-packs` and `~/my-service` are there.
 */
describe('docs/getting-started.md', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'hopbus-guide-'));
    const cache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
    env = {
      ...process.env,
      HOME: home,
      PATH: `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}`,
      npm_config_cache: cache,
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    };
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('names every file of the program it builds', () => {
    expect(files.map((f) => f.path).sort()).toEqual(['src/PaymentService.ts', 'src/ReceiptService.ts', 'src/main.ts', 'src/topics.ts', 'tsconfig.json']);
  });

  it('works as written: install from npm pack tarballs, compile, run, read the dead letters', async () => {
    runBlock(marked('pack'), repo, env);
    runBlock(marked('project'), home, env);
    const project = join(home, 'my-service');
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { type?: string };
    expect(manifest.type).toBe('module');
    for (const file of files) {
      mkdirSync(dirname(join(project, file.path)), { recursive: true });
      writeFileSync(join(project, file.path), file.text);
    }

    // The run block: its last line starts the service, which runs until Ctrl-C; the lines before build it.
    const run = marked('run').trim().split('\n');
    const start = /^node (\S+)$/.exec(run.pop()!);
    expect(start).not.toBeNull();
    runBlock(run.join('\n'), project, env);
    const expected = marked('output').trim().split('\n');
    const output = await runUntilPrinted(start![1]!, project, env, expected);
    // The started bus keeps the service up until the SIGINT; stopOnSignals drains and exits with 0.
    expect({ code: output.code, signal: output.signal }).toEqual({ code: 0, signal: null });
    expect(output.stdout.trim().split('\n').sort()).toEqual([...expected].sort());
    expect(output.stderr).toContain('gave up on a message; it is in shop.orders.placed.dlq');
  }, 180_000);
});

/**
 * Runs `node script` until it has printed every expected line (or ended), then sends SIGINT, as
 * the guide's reader would press Ctrl-C, and resolves when it has exited.
 */
function runUntilPrinted(script: string, cwd: string, env: NodeJS.ProcessEnv, expected: readonly string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const printed = new Set(stdout.split('\n'));
      if (!interrupted && expected.every((line) => printed.has(line))) {
        interrupted = true;
        try {
          child.kill('SIGINT');
        } catch {
          // It ended by itself meanwhile.
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}
