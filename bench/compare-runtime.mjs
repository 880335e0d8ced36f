// Before and after on the same machine in the same run: builds @hopbus/core at a git ref in a
// temporary worktree, then alternates bench/runtime.mjs between that build and the current one
// (each run in its own process), and prints the median of each side and the ratio. Use it to
// judge a change to the runtime on a shared machine, where absolute figures swing by ±30 %.
// Run: npm run build && node bench/compare-runtime.mjs <git ref> [rounds] [messages]
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, machineLine } from './machine.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [ref, rounds = '3', messages = '500000'] = process.argv.slice(2);
if (!ref) {
  console.error('usage: node bench/compare-runtime.mjs <git ref> [rounds] [messages]');
  process.exit(2);
}

const scratch = mkdtempSync(join(tmpdir(), 'hopbus-compare-'));
const worktree = join(scratch, 'tree');
const git = (...args) => execFileSync('git', args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] }).toString();

/** A directory whose node_modules is the repository's, except @hopbus/core: a copy of `coreDir`'s build. */
function sandbox(name, coreDir) {
  const dir = join(scratch, name);
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '@hopbus', 'core'), { recursive: true });
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry !== '@hopbus') symlinkSync(join(root, 'node_modules', entry), join(modules, entry));
  }
  cpSync(join(coreDir, 'package.json'), join(modules, '@hopbus', 'core', 'package.json'));
  cpSync(join(coreDir, 'dist'), join(modules, '@hopbus', 'core', 'dist'), { recursive: true });
  cpSync(join(root, 'bench'), join(dir, 'bench'), { recursive: true });
  return dir;
}

try {
  git('worktree', 'add', '--detach', worktree, ref);
  symlinkSync(join(root, 'node_modules'), join(worktree, 'node_modules'));
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(worktree, 'packages', 'core')], { stdio: 'inherit' });
  const sides = { before: sandbox('before', join(worktree, 'packages', 'core')), after: sandbox('after', join(root, 'packages', 'core')) };
  console.log(`runtime before (${ref}) and after (working tree), ${rounds} alternated rounds of ${fmt(Number(messages))} messages`);
  console.log(machineLine());
  const rows = {};
  for (let round = 0; round < Number(rounds); round++) {
    for (const side of round % 2 === 0 ? ['before', 'after'] : ['after', 'before']) {
      const run = spawnSync(process.execPath, ['bench/runtime.mjs', messages, '1'], { cwd: sides[side], encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`${side} failed:\n${run.stderr}`);
      for (const line of run.stdout.split('\n')) {
        const match = /^(.+?)\s{2,}([\d,]+) msg\/s\s+([\d,]+) msg per CPU-second/.exec(line);
        if (!match) continue;
        const row = (rows[match[1]] ??= { before: [], after: [] });
        row[side].push({ wall: Number(match[2].replaceAll(',', '')), cpu: Number(match[3].replaceAll(',', '')) });
      }
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  for (const [name, row] of Object.entries(rows)) {
    const wall = { before: median(row.before.map((r) => r.wall)), after: median(row.after.map((r) => r.wall)) };
    const cpu = { before: median(row.before.map((r) => r.cpu)), after: median(row.after.map((r) => r.cpu)) };
    console.log(
      `${name.padEnd(44)} ${fmt(wall.before).padStart(9)} → ${fmt(wall.after).padStart(9)} msg/s (×${(wall.after / wall.before).toFixed(2)})   per CPU-second ${fmt(cpu.before)} → ${fmt(cpu.after)} (×${(cpu.after / cpu.before).toFixed(2)})`,
    );
  }
} finally {
  spawnSync('git', ['worktree', 'remove', '--force', worktree], { cwd: root });
  rmSync(scratch, { recursive: true, force: true });
}
