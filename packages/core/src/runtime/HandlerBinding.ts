import type { Topic } from '../topic/Topic.js';
import type { StartPosition } from '../transport/Transport.js';
import type { RetryPolicy } from './retry.js';

/** One `@Subscribe` handler, resolved: the instance to call and every option settled. */
export interface HandlerBinding {
  readonly actor: string;
  readonly instance: object;
  readonly method: string | symbol;
  readonly call: (payload: unknown, context: unknown) => unknown;
  /** A keyed actor's handler: `call` runs a turn of the key's instance; a message without a key goes to the dead letters. */
  readonly keyed: boolean;
  /**
   * The actor has `@Publishes` fields: run the handler inside the cause's async context so that
   * they carry correlation. Without publishers the handler publishes through ctx.publish, and the
   * async-context cost (a hook on every promise in Node 20) is not paid.
   */
  readonly tracksCause: boolean;
  readonly topic: Topic<unknown>;
  readonly group: string;
  readonly key: ((payload: unknown) => string | undefined) | undefined;
  readonly concurrency: number;
  readonly retry: RetryPolicy;
  readonly deadLetter: string;
  readonly start: StartPosition;
  readonly maxInFlight: number;
  readonly ackTimeoutMs: number;
  readonly maxDeliveries: number;
}
