import type { Topic } from '../topic/Topic.js';
import type { StartPosition } from '../transport/Transport.js';
import type { RetryPolicy } from './retry.js';

/** One `@Subscribe` handler, resolved: the instance to call and every option settled. */
export interface HandlerBinding {
  readonly actor: string;
  readonly instance: object;
  readonly method: string | symbol;
  readonly call: (payload: unknown, context: unknown) => unknown;
  readonly topic: Topic<unknown>;
  readonly group: string;
  readonly key: ((payload: unknown) => string | undefined) | undefined;
  readonly concurrency: number;
  readonly retry: RetryPolicy;
  readonly deadLetter: string;
  readonly start: StartPosition;
  readonly maxInFlight: number;
  readonly ackTimeoutMs: number;
}
