/**
 * Resolves true once `check()` holds, looking again every few milliseconds; false when it still
 * does not after `timeoutMs`. The timeout bounds a broken runtime: it is not a speed the test
 * expects, so it is generous.
 */
export async function becomes(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}

/** Waits until `check()` holds; fails the test, naming `what`, when it does not within `timeoutMs`. */
export async function waitUntil(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  if (!(await becomes(check, timeoutMs))) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
