import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const repo = resolve(__dirname, '../../..');
const builtCore = join(repo, 'packages/core');

/** Installs a copy of the built @hopbus/core under `root/<name>/node_modules`, as a second installed version would be. */
function installCopy(root: string, name: string): string {
  const at = join(root, name, 'node_modules/@hopbus/core');
  mkdirSync(at, { recursive: true });
  cpSync(join(builtCore, 'package.json'), join(at, 'package.json'));
  cpSync(join(builtCore, 'dist'), join(at, 'dist'), { recursive: true });
  return join(at, 'dist/index.js');
}

// Runs the built packages (npm test builds first), in a real Node process with real ESM loading.
describe('two copies of @hopbus/core in one process', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'hopbus-two-cores-'));
    // Their dependencies (inversify, @hopbus/log, ...) resolve from the repository's node_modules.
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'), 'dir');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('share one transport registry: a scheme registered through either resolves through the other', async () => {
    const copyA = installCopy(root, 'a');
    const copyB = installCopy(root, 'b');
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, 'fixtures/twoCopiesChild.mjs'), copyA, copyB, join(root, 'log')]);
    expect(JSON.parse(stdout)).toEqual({ distinctCopies: true, registeredInA: 'memory', logThroughB: 'log' });
  });
});
