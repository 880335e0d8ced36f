// The Node peers (NestJS, Moleculer) live in their own npm package, bench/peers-node, outside the
// workspaces: their dependencies never reach hopbus's packages or lockfile. requirePeer() loads a
// module from there, installing the package from its lockfile first when it is not installed.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'peers-node');
let required;

/** `require` from bench/peers-node, so that every peer shares one copy of each dependency. */
export function requirePeer(name) {
  if (!required) {
    if (!existsSync(join(packageDir, 'node_modules'))) {
      process.stderr.write(`bench/peers-node/node_modules is missing: installing the peers with npm ci --prefix ${packageDir}\n`);
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      execFileSync(npm, ['ci', '--prefix', packageDir, '--no-audit', '--no-fund'], { stdio: ['ignore', process.stderr, process.stderr] });
    }
    required = createRequire(join(packageDir, 'package.json'));
  }
  return required(name);
}
