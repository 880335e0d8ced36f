import { Actor, createBus, HopbusError, MemoryTransport, Publishes, Subscribe, topic } from '@hopbus/core';
import type { Logger, MessageContext, OutgoingRecord, Publisher, Transport } from '@hopbus/core';

// A bus's life on its own: start once, connect lazily and again after a failed connect, stop once,
// refuse publishes after it, and stop on SIGINT/SIGTERM.

const Events = topic<{ n: number }>('life.events');

@Actor('listener')
class Listener {
  @Subscribe(Events)
  on(): void {}
}

/** A memory transport that counts its connects and closes, and fails the next `failConnects` connects. */
class CountingTransport extends MemoryTransport {
  connects = 0;
  closes = 0;
  failConnects = 0;
  readonly sent: OutgoingRecord[] = [];
  override connect(): Promise<void> {
    this.connects++;
    if (this.failConnects > 0) {
      this.failConnects--;
      return Promise.reject(new HopbusError('connect_failed', 'the server is down'));
    }
    return super.connect();
  }
  override publish(records: readonly OutgoingRecord[]): Promise<void> {
    this.sent.push(...records);
    return super.publish(records);
  }
  override close(): Promise<void> {
    this.closes++;
    return super.close();
  }
}

function recordingLogger(): Logger & { lines: string[]; fields: unknown[] } {
  const lines: string[] = [];
  const fields: unknown[] = [];
  const at = (level: string) => (message: string, given?: unknown) => {
    lines.push(`${level} ${message}`);
    fields.push(given);
  };
  return { lines, fields, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Waits, a turn of the event loop at a time, until `check` holds (a test's timeout ends it otherwise). */
async function waitUntilTrue(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 1));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('a bus\'s life', () => {
  it('starts once: a second start, or one after stop, is a config error saying what to do', async () => {
    const bus = await createBus({ transport: new CountingTransport(), services: [Listener], logger: recordingLogger() });
    await bus.start();
    const again = await rejection(bus.start());
    expect(HopbusError.hasCode(again, 'config')).toBe(true);
    expect((again as Error).message).toBe('The bus was already started: create a new bus to start again.');
    await bus.stop();
    expect((await rejection(bus.start())) as Error).toHaveProperty('message', 'The bus was already stopped: create a new bus to start again.');
  });

  it('stops and closes its transport when starting fails, and passes the error on', async () => {
    const transport = new CountingTransport();
    transport.failConnects = 1;
    const bus = await createBus({ transport, services: [Listener], logger: recordingLogger() });
    const error = await rejection(bus.start());
    expect(HopbusError.hasCode(error, 'connect_failed')).toBe(true);
    expect(transport.closes).toBe(1);
    const after = await rejection(bus.publish(Events, { n: 1 }));
    expect(HopbusError.hasCode(after, 'transport_closed')).toBe(true);
  });

  it('connects on the first publish when not started, once, and tries again after a failed connect', async () => {
    const transport = new CountingTransport();
    transport.failConnects = 1;
    const bus = await createBus({ transport, logger: recordingLogger() });
    const failed = await rejection(bus.publish(Events, { n: 1 }));
    expect(HopbusError.hasCode(failed, 'connect_failed')).toBe(true);
    expect(transport.sent).toEqual([]);
    await bus.publish(Events, { n: 2 });
    await Promise.all([bus.publish(Events, { n: 3 }), bus.publish(Events, { n: 4 })]);
    await bus.publishBatch(Events, [{ payload: { n: 5 } }]);
    expect(transport.connects).toBe(2);
    expect(transport.sent.map((r) => JSON.parse(new TextDecoder().decode(r.data)).n)).toEqual([2, 3, 4, 5]);
    await bus.stop();
  });

  it('stops once however often stop() is called, and refuses publishes after it', async () => {
    const transport = new CountingTransport();
    const bus = await createBus({ transport, services: [Listener], logger: recordingLogger() });
    await bus.start();
    const first = bus.stop();
    expect(bus.stop()).toBe(first);
    await first;
    expect(transport.closes).toBe(1);
    for (const publishing of [bus.publish(Events, { n: 1 }), bus.publishBatch(Events, [{ payload: { n: 2 } }])]) {
      const error = await rejection(publishing);
      expect(HopbusError.hasCode(error, 'transport_closed')).toBe(true);
      expect((error as Error).message).toBe('The bus was stopped: it publishes nothing more. Create a new bus to go on.');
    }
  });

  it('names the call and what it was given when a publish gets something that is not a topic', async () => {
    const bus = await createBus({ transport: new CountingTransport(), logger: recordingLogger() });
    const notATopic = { name: 'life.events' } as unknown as typeof Events;
    const single = await rejection(bus.publish(notATopic, { n: 1 }));
    const batch = await rejection(bus.publishBatch(notATopic, []));
    expect((single as Error).message).toMatch(/bus\.publish/);
    expect((batch as Error).message).toMatch(/bus\.publishBatch/);
    await bus.stop();
  });

  it('says what it is doing when started while starting or stopping', async () => {
    const bus = await createBus({ transport: new CountingTransport(), services: [Listener], logger: recordingLogger() });
    const starting = bus.start();
    expect(((await rejection(bus.start())) as Error).message).toBe('The bus was already starting: create a new bus to start again.');
    await starting;
    const stopping = bus.stop();
    expect(((await rejection(bus.start())) as Error).message).toBe('The bus was already stopping: create a new bus to start again.');
    await stopping;
  });

  it('keeps the process alive from start to stop while it has subscriptions, and not without any', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const listening = await createBus({ transport: new CountingTransport(), services: [Listener], logger: recordingLogger() });
    await listening.start();
    expect(timers()).toBe(before + 1);
    await listening.stop();
    expect(timers()).toBe(before);
    const publishing = await createBus({ transport: new CountingTransport(), logger: recordingLogger() });
    await publishing.start();
    expect(timers()).toBe(before);
    await publishing.stop();
  });

  it('waits for running handlers when it stops, and fires their signal at the timeout it was given', async () => {
    const Jobs = topic<{ n: number }>('life.jobs');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const signals: AbortSignal[] = [];
    @Actor('slow')
    class Slow {
      @Subscribe(Jobs)
      async run(_job: { n: number }, ctx: MessageContext): Promise<void> {
        signals.push(ctx.signal);
        await gate;
      }
    }
    const bus = await createBus({ transport: new CountingTransport(), services: [Slow], logger: recordingLogger() });
    await bus.start();
    await bus.publish(Jobs, { n: 1 });
    await waitUntilTrue(() => signals.length === 1);
    let stopped = false;
    const stopping = bus.stop({ timeoutMs: 30 }).then(() => (stopped = true));
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false); // the handler still runs
    await waitUntilTrue(() => signals[0]!.aborted);
    expect((signals[0]!.reason as Error).message).toBe('The bus stopped and the drain timeout of 30 ms passed.'); // the timeout given, not the 10 s default
    expect(HopbusError.hasCode(signals[0]!.reason, 'handler')).toBe(true);
    release();
    await stopping;
  });

  it('gives services publishers that name their topic and publish batches', async () => {
    @Actor('batcher')
    class Batcher {
      @Publishes(Events) readonly events!: Publisher<{ n: number }>;
    }
    const transport = new CountingTransport();
    const bus = await createBus({ transport, services: [Batcher], logger: recordingLogger() });
    await bus.start();
    const batcher = bus.container.get(Batcher);
    expect(batcher.events.topic).toBe('life.events');
    await batcher.events.publishBatch([{ payload: { n: 1 } }, { payload: { n: 2 } }]);
    expect(transport.sent).toHaveLength(2);
    await bus.stop();
  });

  describe('stopOnSignals', () => {
    let exits: (number | undefined)[];
    let exitSpy: jest.SpyInstance;
    beforeEach(() => {
      exits = [];
      exitSpy = jest.spyOn(process, 'exit').mockImplementation(((code?: number) => void exits.push(code)) as typeof process.exit);
    });
    afterEach(() => exitSpy.mockRestore());

    const listeners = () => [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];

    it.each(['SIGINT', 'SIGTERM'] as const)('on %s drains, says so, and exits with 0', async (signal) => {
      const transport = new CountingTransport();
      const logger = recordingLogger();
      const bus = await createBus({ transport, services: [Listener], logger });
      await bus.start();
      const before = listeners();
      const remove = bus.stopOnSignals();
      expect(listeners()).toEqual([before[0]! + 1, before[1]! + 1]);
      process.emit(signal, signal);
      await bus.stop();
      await new Promise((resolve) => setImmediate(resolve));
      expect(logger.lines).toContain(`info Received ${signal}: draining.`);
      expect(transport.closes).toBe(1);
      expect(exits).toEqual([0]);
      // Each handler runs once: the other signal's is taken off by remove().
      remove();
      expect(listeners()).toEqual(before);
    });

    it('does not exit when told not to', async () => {
      const transport = new CountingTransport();
      const bus = await createBus({ transport, logger: recordingLogger() });
      const remove = bus.stopOnSignals({ exit: false });
      process.emit('SIGTERM', 'SIGTERM');
      await bus.stop();
      await new Promise((resolve) => setImmediate(resolve));
      expect(transport.closes).toBe(1);
      expect(exits).toEqual([]);
      remove();
    });

    it('logs a failed stop and exits with 1, or only logs it when told not to exit', async () => {
      for (const exit of [true, false]) {
        const transport = new CountingTransport();
        transport.close = () => Promise.reject(new Error('disk gone'));
        const logger = recordingLogger();
        const bus = await createBus({ transport, logger });
        const remove = bus.stopOnSignals({ exit });
        process.emit('SIGINT', 'SIGINT');
        await rejection(bus.stop());
        await new Promise((resolve) => setImmediate(resolve));
        expect(logger.lines).toContain('error Stopping failed.');
        expect(logger.fields.at(-1)).toEqual({ error: 'disk gone' });
        expect(exits).toEqual(exit ? [1] : []);
        exits.length = 0;
        remove();
      }
    });

    it('passes its timeout on to stop', async () => {
      const transport: Transport = new CountingTransport();
      const bus = await createBus({ transport, logger: recordingLogger() });
      const stop = jest.spyOn(bus, 'stop');
      const remove = bus.stopOnSignals({ timeoutMs: 1234, exit: false });
      process.emit('SIGTERM', 'SIGTERM');
      expect(stop).toHaveBeenCalledWith({ timeoutMs: 1234, exit: false });
      await bus.stop();
      remove();
    });
  });
});
