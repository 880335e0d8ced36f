import { Actor, createBus, HopbusError, MemoryTransport, Subscribe, topic } from '@hopbus/core';
import type { Delivery, Logger, Subscription, Transport } from '@hopbus/core';
import { waitFor } from './waitFor.js';

// A subscription that fails (its iteration throws, or it ends with an error, as a log that meets a
// corrupt batch does) must be said loudly: one error log naming the handler, with what the error
// tells (its code, and the file and position of a corrupt log), never taken for an idle consumer.

const Events = topic<{ n: number }>('fail.events');

@Actor('watcher')
class Watcher {
  @Subscribe(Events)
  on(): void {}
}

/** A subscription that ends the way `end` says once iterated. */
function endingSubscription(end: { throws?: unknown; closedWith?: Error }): Subscription {
  let finish!: (value: void | Error) => void;
  const closed = new Promise<void | Error>((resolve) => (finish = resolve));
  return {
    closed,
    drain: async () => finish(undefined),
    [Symbol.asyncIterator]: (): AsyncIterator<Delivery> => ({
      next: async () => {
        if (end.throws !== undefined) throw end.throws;
        finish(end.closedWith);
        return { done: true, value: undefined };
      },
    }),
  };
}

function transportWith(subscription: Subscription): Transport {
  const memory = new MemoryTransport();
  return { kind: 'scripted', features: memory.features, connect: () => memory.connect(), publish: (r) => memory.publish(r), subscribe: async () => subscription, close: () => memory.close() };
}

function recordingLogger(): Logger & { errors: { message: string; fields: unknown }[] } {
  const errors: { message: string; fields: unknown }[] = [];
  const ignore = (): void => undefined;
  return { errors, debug: ignore, info: ignore, warn: ignore, error: (message, fields) => void errors.push({ message, fields }) };
}

class CorruptError extends HopbusError {
  constructor(
    readonly file: string,
    readonly position: number,
  ) {
    super('corrupt_log', `The log file ${file} is corrupt at byte ${position}: bad CRC.`);
  }
}

const said = 'The subscription of watcher.on (fail.events) failed; it receives nothing more until the bus restarts.';

describe('a subscription that fails', () => {
  it('is logged once as an error with its code, file and position when it ends with a corrupt log', async () => {
    const logger = recordingLogger();
    const bus = await createBus({ transport: transportWith(endingSubscription({ closedWith: new CorruptError('/data/t/0/0.log', 4096) })), services: [Watcher], logger });
    await bus.start();
    await waitFor('the failure logged', () => logger.errors.length > 0);
    expect(logger.errors).toStrictEqual([
      { message: said, fields: { error: 'The log file /data/t/0/0.log is corrupt at byte 4096: bad CRC.', code: 'corrupt_log', file: '/data/t/0/0.log', position: 4096 } },
    ]);
    await bus.stop();
    expect(logger.errors).toHaveLength(1);
  });

  it('is logged when its iteration throws, with no code or position when the error has none, and a thrown non-error made one', async () => {
    for (const [thrown, fields] of [
      [new Error('socket closed'), { error: 'socket closed' }],
      ['a string', { error: 'a string' }],
    ] as const) {
      const logger = recordingLogger();
      const bus = await createBus({ transport: transportWith(endingSubscription({ throws: thrown })), services: [Watcher], logger });
      await bus.start();
      await waitFor('the failure logged', () => logger.errors.length > 0);
      expect(logger.errors).toStrictEqual([{ message: said, fields }]);
      await bus.stop();
    }
  });

  it('says nothing of an iteration that throws once the bus is stopping', async () => {
    const logger = recordingLogger();
    let drained = false;
    let wake!: () => void;
    const subscription: Subscription = {
      closed: new Promise(() => undefined),
      drain: async () => {
        drained = true;
        wake();
      },
      [Symbol.asyncIterator]: (): AsyncIterator<Delivery> => ({
        next: async () => {
          await new Promise<void>((resolve) => (wake = resolve));
          if (drained) throw new Error('closed under it');
          return { done: true, value: undefined };
        },
      }),
    };
    const bus = await createBus({ transport: transportWith(subscription), services: [Watcher], logger });
    await bus.start();
    await bus.stop();
    expect(logger.errors).toStrictEqual([]);
  });

  it('says nothing when the subscription ends without an error', async () => {
    const logger = recordingLogger();
    const subscription = endingSubscription({});
    const bus = await createBus({ transport: transportWith(subscription), services: [Watcher], logger });
    await bus.start();
    await subscription.closed;
    await bus.stop();
    expect(logger.errors).toStrictEqual([]);
  });
});
