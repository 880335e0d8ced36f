/** An ISO 8601 UTC time, or `-` when there is none (an empty partition). */
export function formatTime(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? '-' : new Date(ms).toISOString();
}
