/** Pretty JSON for `--json` output; Infinity (an uncapped retention) becomes null. */
export function jsonOf(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}
