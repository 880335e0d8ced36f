import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const packageDir = join(__dirname, '..');
const bin = join(packageDir, 'dist', 'bin.js');

/** Runs the built binary, as a user would. */
function hopbus(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  if (!existsSync(bin)) {
    throw new Error(`${bin} is missing: build first (npm run build, or npx turbo run build --filter=@hopbus/cli). The root npm test builds before jest.`);
  }
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: packageDir, timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const stackLine = /^\s+at .+:\d+:\d+\)?$/m;

describe('the built hopbus binary', () => {
  it('prints help and exits 0', () => {
    const result = hopbus('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: hopbus \[options\] \[command\]/);
  });

  it('prints one line, no stack, and exits 1 on an error', () => {
    const result = hopbus('log', 'topics', join(packageDir, 'no-such-dir'));
    expect(result).toEqual({ status: 1, stdout: '', stderr: `hopbus: There is no log data dir at ${join(packageDir, 'no-such-dir')}. Give the <dir> of the bus's log:<dir> transport URL.\n` });
  });

  it('summarizes a module that throws on import in one line', () => {
    const result = hopbus('graph', 'test/fixtures/throwsOnImport.mjs');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^hopbus: Could not import .*throwsOnImport\.mjs: services\.js could not start: boom\n$/);
    expect(result.stderr).not.toMatch(stackLine);
  });

  it('imports a built ESM module for graph', () => {
    const result = hopbus('graph', 'test/fixtures/graphServices.mjs');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('actor_pinger --> topic_demo_ping\n  topic_demo_ping --> actor_ponger\n');
  });
});
