import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const packageDir = join(__dirname, '..', '..');

/**
 * Child processes run the built package (packages/log/dist). `npm test` builds first; when a
 * single test file is run by hand and dist is older than src, this builds it (about 2 s).
 */
export function ensureBuilt(): void {
  const src = join(packageDir, 'src');
  const newestSource = Math.max(...readdirSync(src, { recursive: true }).map((f) => statSync(join(src, String(f))).mtimeMs));
  let built = 0;
  try {
    built = statSync(join(packageDir, 'dist', 'index.js')).mtimeMs;
  } catch {
    built = 0;
  }
  if (built >= newestSource) return;
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(packageDir, 'tsconfig.json')], { stdio: 'inherit' });
}

export const fixturesDir = join(__dirname, '..', 'fixtures');
