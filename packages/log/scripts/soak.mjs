// A long crash soak, not part of the test suite:
//   npm run build && node packages/log/scripts/soak.mjs [minutes=5]
// Repeatedly starts a publisher and a consumer child on one data dir, SIGKILLs them at random
// moments, reopens, and checks: every acknowledged record is stored byte-exact, offsets are
// dense, verifyLog finds nothing after recovery, and the group never goes back before a
// commit it reported durable. Prints a line per round; exits 1 on the first violation.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LogInspector, LogTransport, verifyLog } from '../dist/index.js';

const minutes = Number(process.argv[2] ?? 5);
const child = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'crashChild.mjs');
// Two dirs: one process owns a data dir, and the two children run at once.
const dir = mkdtempSync(join(tmpdir(), 'hopbus-soak-pub-'));
const consumeDir = mkdtempSync(join(tmpdir(), 'hopbus-soak-con-'));
const deadline = Date.now() + minutes * 60_000;

function payloadOf(id) {
  const digest = createHash('sha256').update(id).digest();
  const out = Buffer.allocUnsafe(digest.readUInt16LE(0) % 1000);
  for (let i = 0; i < out.length; i++) out[i] = digest[i % 32];
  return out;
}

function runAndKill(args, afterMs) {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = [];
    createInterface({ input: proc.stdout }).on('line', (line) => {
      lines.push(line);
      if (line === 'ready') setTimeout(() => proc.kill('SIGKILL'), afterMs);
    });
    // Both: the lines are all read, and the process is reaped (a zombie still holds the lock's pid).
    let pending = 2;
    const done = () => --pending === 0 && resolve(lines);
    proc.stdout.on('close', done);
    proc.on('exit', done);
  });
}

function fail(message) {
  console.error(`SOAK FAILED: ${message}\ndata dirs kept at ${dir} and ${consumeDir}`);
  process.exit(1);
}

const acked = new Set();
let lastCommitted = 0;
let round = 0;
// Seed a topic for the consumer (it runs out after ~200,000 records: the soak is bounded by that too).
const seed = new LogTransport({ dir: consumeDir, fsync: 'never' });
for (let i = 0; i < 200_000; i += 5000) {
  await seed.publish(Array.from({ length: 5000 }, (_, k) => ({ id: `c-${i + k}`, topic: 'crash.consume', headers: {}, data: Buffer.from(String(i + k)), timestamp: Date.now() })));
}
await seed.close();

while (Date.now() < deadline) {
  round++;
  const [published, consumed] = await Promise.all([
    runAndKill(['publish', dir, `s${round}`], Math.random() * 1500),
    runAndKill(['consume', consumeDir], Math.random() * 1500),
  ]).catch(() => [[], []]);
  for (const line of published) if (line.startsWith('ok ')) for (const id of line.slice(3).split(' ')) acked.add(id);
  for (const line of consumed) {
    if (line.startsWith('d ') && Number(line.slice(2)) < lastCommitted) fail(`offset ${line.slice(2)} redelivered below durable commit ${lastCommitted}`);
    if (line.startsWith('c ')) lastCommitted = Math.max(lastCommitted, Number(line.slice(2)));
  }
  const reopened = new LogTransport({ dir, partitions: 2 });
  await reopened.connect();
  await reopened.close();
  const report = await verifyLog(dir);
  if (report.problems.length > 0) fail(`verifyLog after recovery: ${JSON.stringify(report.problems)}`);
  const inspector = await LogInspector.open(dir);
  const stored = new Set();
  for (const p of inspector.describeTopic('crash.publish').partitions) {
    const records = await inspector.readRecords('crash.publish', { partition: p.partition, limit: Number.MAX_SAFE_INTEGER });
    records.forEach((r, i) => {
      if (r.offset !== i) fail(`gap: offset ${r.offset} at index ${i} of partition ${p.partition}`);
      if (!Buffer.from(r.data).equals(payloadOf(r.id))) fail(`payload of ${r.id} differs`);
      stored.add(r.id);
    });
  }
  await inspector.close();
  for (const id of acked) if (!stored.has(id)) fail(`acknowledged record ${id} is missing`);
  console.log(`round ${round}: ${acked.size} acknowledged records all present, consumer durable commit ${lastCommitted}`);
}
rmSync(dir, { recursive: true, force: true });
rmSync(consumeDir, { recursive: true, force: true });
console.log(`soak passed: ${round} rounds, ${round * 2} kills`);
