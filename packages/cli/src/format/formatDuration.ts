const steps: readonly [number, string][] = [
  [24 * 60 * 60 * 1000, 'day'],
  [60 * 60 * 1000, 'hour'],
  [60 * 1000, 'minute'],
  [1000, 'second'],
];

/** `7 days`, `90 minutes`, `250 ms`: the largest unit that divides `ms` exactly. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'forever';
  for (const [size, name] of steps) {
    if (ms >= size && ms % size === 0) {
      const n = ms / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${ms} ms`;
}
