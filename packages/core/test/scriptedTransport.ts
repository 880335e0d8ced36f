import { MemoryTransport } from '@hopbus/core';
import type { Delivery, Logger, OutgoingRecord, Subscription, SubscribeOptions, Transport } from '@hopbus/core';

// A transport whose one subscription hands out deliveries the test made, for the consumer's paths
// around a handler: each delivery records how it was settled.

const encoder = new TextEncoder();

export type RecordedDelivery = Delivery & { readonly settled: string[] };

/** A delivery of `{ n }` on `paths.jobs` that records how it was settled (every call, in order). */
export function deliveryOf(n: number, deliveryCount = 1, key?: string): RecordedDelivery {
  const settled: string[] = [];
  return {
    settled,
    id: `id-${n}`,
    topic: 'paths.jobs',
    key,
    headers: {},
    data: encoder.encode(JSON.stringify({ n })),
    timestamp: 1,
    partition: 0,
    offset: n,
    deliveryCount,
    ack: () => void settled.push('ack'),
    nack: (delayMs = 0) => void settled.push(`nack ${delayMs}`),
    term: () => void settled.push('term'),
    working: () => undefined,
  };
}

export interface ScriptOptions {
  /** Every publish fails with this. */
  readonly failPublish?: Error;
  /** The subscription has `poll()`: it hands out the next delivery at once, as a log with a backlog does. */
  readonly pollable?: boolean;
}

export interface Scripted {
  readonly transport: Transport;
  readonly published: OutgoingRecord[];
  readonly options: SubscribeOptions[];
  /** The subscription's calls in order: `next` (the iteration) and `poll`. */
  readonly calls: string[];
}

/**
 * A transport whose subscription hands out `deliveries`, then waits until drained; its iteration
 * ends once drained. `poll()` hands out the next delivery whatever the state: the consumer must not
 * take what it cannot run. Publishes go to `published`.
 */
export function scripted(deliveries: Delivery[], { failPublish, pollable = false }: ScriptOptions = {}): Scripted {
  const memory = new MemoryTransport();
  const published: OutgoingRecord[] = [];
  const options: SubscribeOptions[] = [];
  const calls: string[] = [];
  const subscribe = async (_topic: string, given: SubscribeOptions): Promise<Subscription> => {
    options.push(given);
    let finish!: () => void;
    let drained = false;
    const closed = new Promise<void>((resolve) => (finish = resolve));
    const queue = [...deliveries];
    const subscription: Subscription = {
      closed,
      drain: async () => {
        drained = true;
        finish();
      },
      [Symbol.asyncIterator]: (): AsyncIterator<Delivery> => ({
        next: async () => {
          calls.push('next');
          const next = drained ? undefined : queue.shift();
          if (next) return { done: false, value: next };
          await closed;
          return { done: true, value: undefined };
        },
      }),
    };
    if (!pollable) return subscription;
    return { ...subscription, poll: () => (calls.push('poll'), queue.shift()) };
  };
  const transport: Transport = {
    kind: 'scripted',
    features: memory.features,
    connect: () => memory.connect(),
    publish: async (records) => {
      if (failPublish) throw failPublish;
      published.push(...records);
    },
    subscribe,
    close: () => memory.close(),
  };
  return { transport, published, options, calls };
}

export interface LoggedLine {
  readonly level: string;
  readonly message: string;
  readonly fields: unknown;
}

/** A logger that keeps every line. */
export function recordingLogger(): Logger & { lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at = (level: string) => (message: string, fields?: unknown) => void lines.push({ level, message, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
