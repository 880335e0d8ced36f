import type { Transport, TransportFeatures } from '@hopbus/core';

/** How the runtime suite gets transports for its buses. A bus closes its transport when it stops. */
export interface RuntimeHarness {
  /** A transport over fresh, empty storage, not yet connected (the bus connects it). */
  create(): Promise<Transport>;
  /**
   * A transport over the storage of `earlier`, which the bus that used it has closed: what a bus
   * started later would get (log: the same directory; NATS: the same server; memory: the same
   * instance, which must then outlive the buses, see transportOutlivingBuses).
   */
  reopen(earlier: Transport): Promise<Transport>;
  /** Called once after all cases. */
  cleanup?(): Promise<void>;
}

/** The cases of the runtime suite, by name. */
export const runtimeCaseIds = [
  'retryInPlace',
  'deadLetters',
  'drainAtTimeout',
  'keepAlive',
  'maxInFlight',
  'maxDeliveriesFromConsumers',
  'maxDeliveriesAcrossStops',
  'handBack',
  'keyedTurns',
  'keyedRestart',
  'keyedRollback',
  'keyedOutputsHeld',
  'keyedPassivation',
  'keyedNoKey',
] as const;
export type RuntimeCaseId = (typeof runtimeCaseIds)[number];

export interface RuntimeFeatures extends TransportFeatures {
  /**
   * The ack timeout every case subscribes with (ms): short, so that a delivery the runtime fails
   * to keep alive comes again soon, but one the transport honours (JetStream counts ack_wait on
   * the server, in its own time).
   */
  readonly ackTimeoutMs: number;
  /**
   * Cases this transport is known to fail today, each with the reason: they run as
   * `test.failing`, so the report shows them, and they turn red the day the defect is fixed
   * (then remove the entry).
   */
  readonly knownDefects?: Readonly<Partial<Record<RuntimeCaseId, string>>>;
}
