import { AsyncLocalStorage } from 'node:async_hooks';

/** The message being handled, as the cause of whatever the handler publishes. */
export interface Cause {
  readonly id: string;
  readonly correlationId: string;
}

/** Set around each handler call, so `Publisher.publish()` inside it carries correlation and causation. */
export const currentCause = new AsyncLocalStorage<Cause>();
