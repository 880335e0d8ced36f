import { HopbusError } from '../errors/HopbusError.js';

/** How a failing handler is retried in place before its message goes to the dead letters. */
export interface RetryOptions {
  /** Handler calls at most, the first included (default 3). 1 means no retry. */
  readonly attempts?: number;
  /** Delay before the first retry (default 100 ms); doubles each time. */
  readonly initialDelayMs?: number;
  /** The delay never exceeds this (default 10 s). */
  readonly maxDelayMs?: number;
}

export interface RetryPolicy {
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export const defaultRetry: RetryPolicy = { attempts: 3, initialDelayMs: 100, maxDelayMs: 10_000 };

export function retryPolicy(options: RetryOptions | undefined): RetryPolicy {
  const policy = { ...defaultRetry, ...options };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) {
    throw new HopbusError('config', `retry.attempts must be a whole number ≥ 1 (1 means no retry), not ${String(policy.attempts)}.`);
  }
  if (!(policy.initialDelayMs >= 0) || !(policy.maxDelayMs >= 0)) {
    throw new HopbusError('config', `retry.initialDelayMs and retry.maxDelayMs must be ≥ 0, not ${String(policy.initialDelayMs)} and ${String(policy.maxDelayMs)}.`);
  }
  return policy;
}

/**
 * The wait before retry number `retry` (1 for the first retry): exponential, capped, with
 * "equal jitter" (half fixed, half random) so that retries of many messages spread out.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retry - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
