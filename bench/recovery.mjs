// Recovery after kill -9: how long a LogTransport takes to open a log whose writer was killed
// mid-write, with verifyOnOpen 'tail' and 'full'. Each pass opens its own copy of the same
// unrepaired log (an open repairs what it opens), first with the copy's files evicted from the
// page cache (cold: read from the disk), then with them cached (warm).
// Run: npm run build && node bench/recovery.mjs [--mib 1024] [--dir <folder on the disk to test>]
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, cpSync, fsyncSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LogTransport } from '@hopbus/log';
import { fmt, machineLine } from './machine.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function argument(name, fallback) {
  const at = process.argv.indexOf(name);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

/** Every file under `dir`, with its size. */
function filesOf(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .map((path) => ({ path, size: statSync(path).size }));
}

const bytesOf = (files) => files.reduce((sum, f) => sum + f.size, 0);

/** Writes to disk what `dir` holds: only clean pages can be evicted, and a cold read must find the bytes on the disk. */
function flush(dir) {
  for (const { path } of filesOf(dir)) {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** Fills `dir` with a log of at least `targetBytes` by a writer (fsync 'never') killed with SIGKILL mid-write. */
async function writeKilledLog(dir, targetBytes) {
  const writer = `
    import { LogTransport } from '@hopbus/log';
    const t = new LogTransport({ dir: ${JSON.stringify(dir)}, fsync: 'never' });
    await t.connect();
    const data = Buffer.alloc(1000, 120);
    for (let i = 0; ; i++) {
      const records = [];
      for (let j = 0; j < 1000; j++) records.push({ id: 'r' + i + '-' + j, topic: 'bench.recovery', key: 'k' + (j % 16), headers: {}, data, timestamp: Date.now() });
      await t.publish(records);
      if (i % 20 === 0) process.stdout.write('tick\\n');
    }
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', writer], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => {
    child.stdout.on('data', () => {
      if (bytesOf(filesOf(dir)) >= targetBytes) resolve();
    });
    child.on('exit', resolve);
  });
  child.kill('SIGKILL');
  await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.on('exit', resolve)));
}

/** Ways to evict files from the page cache, the narrowest first; `evict` throws when it cannot. */
const evictions = [
  {
    name: 'posix_fadvise DONTNEED on each file (dd iflag=nocache count=0)',
    evict(files) {
      for (const { path } of files) {
        const dd = spawnSync('dd', [`if=${path}`, 'iflag=nocache', 'count=0', 'status=none'], { encoding: 'utf8' });
        if (dd.status !== 0) throw new Error(dd.error?.message ?? dd.stderr);
      }
    },
  },
  {
    name: 'echo 1 > /proc/sys/vm/drop_caches (the whole page cache of the machine: root only)',
    evict: () => writeFileSync('/proc/sys/vm/drop_caches', '1'),
  },
];

/**
 * How this machine can evict a file from the page cache: the first of `evictions` that empties
 * the cache of a probe file (checked with fincore where it is installed), or undefined.
 */
function evictionMethod(probeDir) {
  const probe = [{ path: join(probeDir, 'probe'), size: 1 << 20 }];
  writeFileSync(probe[0].path, Buffer.alloc(probe[0].size, 1));
  flush(probeDir);
  try {
    for (const method of evictions) {
      try {
        method.evict(probe);
      } catch {
        continue;
      }
      const left = cachedBytes(probe);
      if (left === 0 || left === undefined) return method;
    }
    return undefined;
  } finally {
    rmSync(probe[0].path);
  }
}

/** Bytes of `files` in the page cache (fincore, util-linux), or undefined when fincore is not there. */
function cachedBytes(files) {
  const result = spawnSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', ...files.map((f) => f.path)], { encoding: 'utf8' });
  if (result.status !== 0) return undefined;
  return result.stdout
    .trim()
    .split('\n')
    .reduce((sum, line) => sum + Number(line.trim() || 0), 0);
}

/** Opens a fresh copy of `original` with `verifyOnOpen`, cold (evicted by `method`) or warm; resolves to ms and the bytes cached at the open. */
async function pass(original, base, verifyOnOpen, cold, method) {
  const copy = join(base, `copy-${verifyOnOpen}-${cold ? 'cold' : 'warm'}`);
  cpSync(original, copy, { recursive: true });
  flush(copy);
  const files = filesOf(copy);
  if (cold) method.evict(files);
  else for (const { path } of files) spawnSync('cat', [path], { stdio: ['ignore', 'ignore', 'inherit'] }); // in the cache, whatever the copy left there
  const cached = cachedBytes(files);
  const started = performance.now();
  const transport = new LogTransport({ dir: copy, verifyOnOpen });
  await transport.connect();
  const ms = performance.now() - started;
  await transport.close();
  rmSync(copy, { recursive: true, force: true });
  return { ms, cached, bytes: bytesOf(files) };
}

/** Every pass on `mib` MiB; prints each and resolves to them (ms by `${verifyOnOpen} ${cold|warm}`). */
export async function measureRecovery(mib, baseDir = tmpdir()) {
  const base = mkdtempSync(join(baseDir, 'hopbus-bench-recovery-'));
  try {
    const original = join(base, 'killed');
    await writeKilledLog(original, mib * 2 ** 20);
    flush(original);
    const size = bytesOf(filesOf(original));
    const fsType = spawnSync('stat', ['-f', '-c', '%T', base], { encoding: 'utf8' }).stdout.trim() || 'unknown';
    const method = fsType === 'tmpfs' ? undefined : evictionMethod(base);
    console.log(`log: ${(size / 2 ** 30).toFixed(2)} GiB (${fmt(size)} bytes) in ${base}, file system ${fsType}, written by a process killed with SIGKILL mid-write`);
    console.log(`each pass opens its own copy of that unrepaired log; cold: ${method ? `evicted with ${method.name}` : `not measured: ${fsType === 'tmpfs' ? 'tmpfs has no disk behind its cache' : 'no way to evict files from the page cache here (no dd iflag=nocache, no write access to /proc/sys/vm/drop_caches)'}`}`);
    // One untimed open of a small killed log first: the first open of a process also pays for loading and compiling the code.
    const warmUp = join(base, 'warm-up');
    await writeKilledLog(warmUp, 2 ** 20);
    await pass(warmUp, base, 'full', false, method);
    const results = {};
    for (const cold of method ? [true, false] : [false]) {
      for (const verifyOnOpen of ['tail', 'full']) {
        const run = await pass(original, base, verifyOnOpen, cold, method);
        const key = `${verifyOnOpen} ${cold ? 'cold' : 'warm'}`;
        results[key] = run.ms;
        const cachedText = run.cached === undefined ? 'cache not checked (no fincore)' : `${((100 * run.cached) / run.bytes).toFixed(0)} % of the files in the page cache at the open`;
        console.log(`recovery after kill -9   verifyOnOpen ${verifyOnOpen.padEnd(4)} ${cold ? 'cold' : 'warm'} ${fmt(Math.round(run.ms)).padStart(8)} ms   ${cachedText}`);
      }
    }
    return { bytes: size, method: method?.name, results };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mib = Number(argument('--mib', '1024'));
  if (!Number.isInteger(mib) || mib < 1) throw new Error('--mib takes a whole number of MiB, such as 1024');
  console.log(`recovery of a durable log after kill -9 — ${fmt(mib)} MiB`);
  console.log(machineLine());
  const { results } = await measureRecovery(mib, argument('--dir', tmpdir()));
  const worst = results['full cold'] ?? results['full warm'];
  console.log(`goal: recovery of 1 GiB < 2 s, taken on the slowest pass (full${results['full cold'] === undefined ? ', warm only' : ', cold'}): ${worst < 2000 ? 'met' : 'NOT met'}${mib === 1024 ? '' : ` (this run: ${mib} MiB)`}`);
}
