// node bench/crc.mjs [rounds=5]
// The CRC32C every log batch carries: the library the log uses (@node-rs/crc32, native, using
// the CPU's CRC32 instruction) beside a plain JavaScript table CRC (slicing by 8, the method of
// the pure-JS packages on npm), on the batch sizes the log checks: one record, a group commit
// of 1,000 records of 100-byte JSON, and a whole 1 MiB batch. Prints GB/s and what one
// 1,000-record commit spends on its CRC.
import { crc32c } from '@node-rs/crc32';
import { fmt, machineLine } from './machine.mjs';

const rounds = Number(process.argv[2] ?? 5);

/** CRC32C (Castagnoli, reflected polynomial 0x82F63B78), eight tables, eight bytes a step. */
function makeTables() {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    tables[0][n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let t = 1; t < 8; t++) tables[t][n] = (tables[t - 1][n] >>> 8) ^ tables[0][tables[t - 1][n] & 0xff];
  }
  return tables;
}
const [t0, t1, t2, t3, t4, t5, t6, t7] = makeTables();

function tableCrc32c(buf) {
  let crc = 0xffffffff;
  let i = 0;
  const end8 = buf.length - (buf.length % 8);
  for (; i < end8; i += 8) {
    const lo = (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24)) ^ crc;
    crc =
      t7[lo & 0xff] ^
      t6[(lo >>> 8) & 0xff] ^
      t5[(lo >>> 16) & 0xff] ^
      t4[lo >>> 24] ^
      t3[buf[i + 4]] ^
      t2[buf[i + 5]] ^
      t1[buf[i + 6]] ^
      t0[buf[i + 7]];
  }
  for (; i < buf.length; i++) crc = t0[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// Both must give the standard check value before anything is timed.
const check = Buffer.from('123456789');
for (const [name, fn] of [['@node-rs/crc32', crc32c], ['JS table', tableCrc32c]]) {
  if (fn(check) !== 0xe3069283) throw new Error(`${name} gives ${fn(check).toString(16)} for "123456789", not e3069283`);
}

const sizes = [
  ['one-record batch (213 B)', 213],
  ['1,000-record batch (173 KB)', 173_000],
  ['1 MiB batch', 1024 * 1024],
];

/** Median ns per call of `fn(buf)`, timed over ~50 ms a round. */
function time(fn, buf) {
  const calls = Math.max(1, Math.round(50_000_000 / (buf.length * 2 + 200)));
  let sink = 0;
  for (let i = 0; i < calls; i++) sink ^= fn(buf); // warm-up
  const perCall = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) sink ^= fn(buf);
    perCall.push(Number(process.hrtime.bigint() - start) / calls);
  }
  if (sink === 0.5) console.log(sink); // keeps the calls from being optimised away
  perCall.sort((a, b) => a - b);
  return perCall[Math.floor(perCall.length / 2)];
}

console.log('CRC32C of a log batch: @node-rs/crc32 (what the log uses) vs a JavaScript table CRC');
console.log(machineLine());
console.log(`median of ${rounds} rounds`);
let commitNs;
for (const [label, size] of sizes) {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 131 + 7) & 0xff;
  const native = time(crc32c, buf);
  const table = time(tableCrc32c, buf);
  if (size === 173_000) commitNs = native;
  const gbs = (ns) => (size / ns).toFixed(2);
  console.log(
    `${label.padEnd(30)} @node-rs/crc32 ${gbs(native).padStart(6)} GB/s (${fmt(Math.round(native)).padStart(7)} ns)   JS table ${gbs(table).padStart(5)} GB/s (${fmt(Math.round(table)).padStart(7)} ns)   ×${(table / native).toFixed(1)}`,
  );
}
console.log(`one 1,000-record commit spends ${(commitNs / 1000).toFixed(1)} µs on its CRC (the goal of 500,000 msg/s allows 2,000 µs for 1,000 records)`);
