// npm run bench: every benchmark, one after the other, on the built packages.
// node bench/run.mjs <name> [arguments for it]: one of them (recovery --mib 64: a small log).
// Each prints its machine line and figures; docs/benchmarks.md records what they printed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const only = process.argv[2];
const extra = only ? process.argv.slice(3) : [];
const benches = [
  ['window', join(here, 'window.mjs')],
  ['runtime', join(here, 'runtime.mjs')],
  ['actors', join(here, 'actors.mjs')],
  ['log', join(here, 'log.mjs')],
  ['recovery', join(here, 'recovery.mjs')],
  ['crc', join(here, 'crc.mjs')],
  ['nats', join(root, 'packages/nats/scripts/bench.mjs')],
  ['tracing', join(root, 'packages/tracing/scripts/bench-overhead.mjs')],
];
let failed = false;
for (const [name, script] of benches) {
  if (only && only !== name) continue;
  if (!existsSync(script)) {
    console.log(`\n== ${name}: ${script} is missing`);
    failed = true;
    continue;
  }
  console.log(`\n== ${name}`);
  const result = spawnSync(process.execPath, ['--expose-gc', script, ...extra], { stdio: 'inherit', cwd: root });
  if (result.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
