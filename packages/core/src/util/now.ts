let offset = Date.now() - performance.now();
let lastSync = performance.now();

/**
 * Milliseconds since the epoch, like Date.now() but cheaper on machines where reading the wall
 * clock is slow: a monotonic reading plus an offset re-read from the wall clock every second.
 */
export function now(): number {
  const monotonic = performance.now();
  if (monotonic - lastSync > 1000) {
    offset = Date.now() - monotonic;
    lastSync = monotonic;
  }
  return Math.floor(offset + monotonic);
}
