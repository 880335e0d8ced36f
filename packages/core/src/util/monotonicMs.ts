/**
 * Whole milliseconds since the process started, from the monotonic clock: for ack deadlines
 * and redelivery times, which a step of the wall clock (NTP, a suspended VM) must not move.
 * A small integer, so storing one in a delivery allocates nothing.
 */
export function monotonicMs(): number {
  return Math.floor(performance.now());
}
