import os from 'node:os';

/** One line naming the machine a benchmark ran on. */
export function machineLine() {
  const cpus = os.cpus();
  return `machine: ${cpus[0]?.model ?? 'unknown cpu'} × ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${os.platform()} ${os.release()}`;
}

export function rate(count, ms) {
  return Math.round((count / ms) * 1000);
}

export function fmt(n) {
  return n.toLocaleString('en-US');
}
