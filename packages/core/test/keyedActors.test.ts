import { Actor, createBus, HopbusError, MemoryTransport, Publishes, silentLogger, State, Subscribe, topic } from '@hopbus/core';
import type { Bus, MessageContext, Publisher, Transport } from '@hopbus/core';
import { Container } from 'inversify';
import { z } from 'zod';
import { waitFor } from './waitFor.js';

interface Step {
  readonly n: number;
  readonly big?: number;
}

const noRetry = { attempts: 1 };
const buses: Bus[] = [];

async function started(services: Parameters<typeof createBus>[0]): Promise<Bus> {
  const bus = await createBus({ transport: new MemoryTransport(), logger: silentLogger, ...services });
  buses.push(bus);
  await bus.start();
  return bus;
}

/** Waits until `check` resolves true (a state read through the transport). */
async function committed(what: string, check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.stop({ timeoutMs: 0 })));
});

describe('keyed actors', () => {
  it('ctx.deleteState() ends the state: the next message for the key gets a fresh instance', async () => {
    const Steps = topic<Step>('keyed.delete');
    const seen: number[] = [];
    @Actor('deleter', { keyed: true })
    class Deleter {
      @State() total = 0;
      @Subscribe(Steps, { retry: noRetry })
      step(step: Step, ctx: MessageContext): void {
        seen.push(this.total);
        this.total += step.n;
        if (step.n === 0) ctx.deleteState();
      }
    }
    const bus = await started({ services: [Deleter] });
    for (const n of [2, 3]) await bus.publish(Steps, { n }, { key: 'd' });
    await committed('the two steps', async () => (await bus.actorState(Deleter, 'd'))?.total === 5);
    await bus.publish(Steps, { n: 0 }, { key: 'd' });
    await bus.publish(Steps, { n: 4 }, { key: 'd' });
    await waitFor('four steps', () => seen.length === 4);
    expect(seen).toEqual([0, 2, 5, 0]);
    await committed('the last commit', async () => (await bus.actorState(Deleter, 'd'))?.total === 4);
  });

  it('runs one turn at a time per key across the handlers of two topics, and keys in parallel', async () => {
    const Left = topic<Step>('keyed.left');
    const Right = topic<Step>('keyed.right');
    const events: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    @Actor('two-handed', { keyed: true })
    class TwoHanded {
      @State() log: string[] = [];
      @Subscribe(Left)
      async left(step: Step, ctx: MessageContext): Promise<void> {
        events.push(`left ${ctx.key} start`);
        if (ctx.key === 'k') await held;
        this.log.push(`left ${step.n}`);
        events.push(`left ${ctx.key} end`);
      }
      @Subscribe(Right)
      right(step: Step, ctx: MessageContext): void {
        events.push(`right ${ctx.key}`);
        this.log.push(`right ${step.n}`);
      }
    }
    const bus = await started({ services: [TwoHanded] });
    await bus.publish(Left, { n: 1 }, { key: 'k' });
    await waitFor('the left turn of k to start', () => events.includes('left k start'));
    await bus.publish(Right, { n: 2 }, { key: 'k' });
    await bus.publish(Right, { n: 3 }, { key: 'other' });
    await waitFor('the right turn of another key', () => events.includes('right other'));
    expect(events).not.toContain('right k');
    release();
    await waitFor('the right turn of k', () => events.includes('right k'));
    expect(events.indexOf('left k end')).toBeLessThan(events.indexOf('right k'));
    await committed("k's state", async () => (await bus.actorState(TwoHanded, 'k'))?.log?.length === 2);
    expect(await bus.actorState(TwoHanded, 'k')).toEqual({ log: ['left 1', 'right 2'] });
  });

  it('fails a turn whose state is over the size limit (code state_too_large) and keeps the committed state', async () => {
    const Steps = topic<Step>('keyed.big');
    const Dead = topic<Step>(Steps.deadLetter);
    const codes: (string | undefined)[] = [];
    @Actor('hoarder', { keyed: true })
    class Hoarder {
      @State() data = '';
      @Subscribe(Steps, { retry: noRetry })
      step(step: Step): void {
        this.data = 'x'.repeat(step.big ?? 1);
      }
    }
    @Actor('hoarder-dead')
    class DeadWatch {
      @Subscribe(Dead)
      note(_: Step, ctx: MessageContext): void {
        codes.push(ctx.headers['hopbus-error-code']);
      }
    }
    const bus = await started({ services: [Hoarder, DeadWatch], maxMessageBytes: 1000 });
    await bus.publish(Steps, { n: 1, big: 10 }, { key: 'h' });
    await bus.publish(Steps, { n: 2, big: 5000 }, { key: 'h' });
    await waitFor('the dead letter', () => codes.length === 1);
    expect(codes).toEqual(['state_too_large']);
    expect(await bus.actorState(Hoarder, 'h')).toEqual({ data: 'x'.repeat(10) });
  });

  it('fails the turn when a publish it did not await is invalid: nothing of the turn is sent', async () => {
    const Steps = topic<Step>('keyed.invalid');
    const Out = topic<{ n: number }>('keyed.invalid.out', { schema: z.object({ n: z.number().min(0) }) });
    const Dead = topic<Step>(Steps.deadLetter);
    const out: number[] = [];
    const dead: Step[] = [];
    @Actor('careless', { keyed: true })
    class Careless {
      @State() count = 0;
      @Publishes(Out) private readonly outs!: Publisher<{ n: number }>;
      @Subscribe(Steps, { retry: noRetry })
      step(step: Step): void {
        this.count++;
        void this.outs.publish({ n: 100 + step.n });
        void this.outs.publish({ n: step.n === 2 ? -1 : step.n });
      }
    }
    @Actor('careless-watch')
    class Watch {
      @Subscribe(Out)
      out(payload: { n: number }): void {
        out.push(payload.n);
      }
      @Subscribe(Dead)
      dead(step: Step): void {
        dead.push(step);
      }
    }
    const bus = await started({ services: [Careless, Watch] });
    for (const n of [1, 2, 3]) await bus.publish(Steps, { n }, { key: 'c' });
    await waitFor('the dead letter', () => dead.length === 1);
    await waitFor('four outputs', () => out.length === 4);
    expect(out).toEqual([101, 1, 103, 3]);
    expect(dead).toEqual([{ n: 2 }]);
    expect(await bus.actorState(Careless, 'c')).toEqual({ count: 2 });
  });

  it('refuses a container that gives every key the same instance', async () => {
    const Steps = topic<Step>('keyed.singleton');
    @Actor('single', { keyed: true })
    class Single {
      @State() n = 0;
      @Subscribe(Steps)
      step(): void {
        this.n++;
      }
    }
    const container = new Container();
    container.bind(Single).toSelf().inSingletonScope();
    const bus = await createBus({ transport: new MemoryTransport(), services: [Single], logger: silentLogger, container });
    buses.push(bus);
    const error = await bus.start().catch((e: unknown) => e);
    expect(HopbusError.hasCode(error, 'config')).toBe(true);
    expect((error as Error).message).toMatch(/another key already uses.*inSingletonScope/);
  });

  it('refuses to start a keyed actor on a transport that cannot commit turns, saying which can', async () => {
    const Steps = topic<Step>('keyed.unsupported');
    @Actor('nowhere', { keyed: true })
    class Nowhere {
      @Subscribe(Steps)
      step(): void {}
    }
    const memory = new MemoryTransport();
    const plain: Transport = {
      kind: 'plain',
      features: { persistent: false, orderedPerKey: true, consumerGroups: true, replay: false },
      connect: () => memory.connect(),
      publish: (records) => memory.publish(records),
      subscribe: (name, options) => memory.subscribe(name, options),
      close: () => memory.close(),
    };
    const bus = await createBus({ transport: plain, services: [Nowhere], logger: silentLogger });
    buses.push(bus);
    const error = await bus.start().catch((e: unknown) => e);
    expect(HopbusError.hasCode(error, 'unsupported')).toBe(true);
    expect((error as Error).message).toMatch(/Actor nowhere is keyed, but the plain transport cannot/);
  });

  it('checks its options where they are declared', () => {
    expect(() => Actor('bad', { keyed: true, maxActive: 0 })).toThrow(/maxActive must be a whole number ≥ 1/);
    expect(() => Actor('bad', { keyed: true, idleMs: -1 })).toThrow(/idleMs must be above 0/);
  });

  it('ctx.deleteState() in an actor that is not keyed says so', async () => {
    const Steps = topic<Step>('keyed.plain');
    const errors: unknown[] = [];
    @Actor('plain')
    class Plain {
      @Subscribe(Steps, { retry: noRetry })
      step(_: Step, ctx: MessageContext): void {
        try {
          ctx.deleteState();
        } catch (error) {
          errors.push(error);
        }
      }
    }
    const bus = await started({ services: [Plain] });
    await bus.publish(Steps, { n: 1 });
    await waitFor('the handler', () => errors.length === 1);
    expect(HopbusError.hasCode(errors[0], 'config')).toBe(true);
    await expect(bus.actorState(Plain, 'x')).rejects.toThrow(/Actor plain is not keyed/);
  });
});

describe('keyed actors after a commit that was stored but reported failed', () => {
  it('reads the key back from the store and settles the input without running it again', async () => {
    const Steps = topic<Step>('keyed.lost-reply');
    const Out = topic<Step>('keyed.lost-reply.out');
    const runs: number[] = [];
    const out: number[] = [];
    @Actor('counter', { keyed: true })
    class Counter {
      @State() total = 0;
      @Publishes(Out) private readonly outs!: Publisher<Step>;
      @Subscribe(Steps, { retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 2 } })
      async step(step: Step): Promise<void> {
        runs.push(step.n);
        this.total += step.n;
        await this.outs.publish({ n: this.total });
      }
    }
    @Actor('counter-watch')
    class Watch {
      @Subscribe(Out)
      out(step: Step): void {
        out.push(step.n);
      }
    }
    const memory = new MemoryTransport();
    let failOnce = true;
    const lossy: Transport = {
      kind: 'lossy',
      features: memory.features,
      connect: () => memory.connect(),
      publish: (records) => memory.publish(records),
      subscribe: (name, options) => memory.subscribe(name, options),
      close: () => memory.close(),
      actorTurns: {
        loadState: (actor, key) => memory.actorTurns.loadState(actor, key),
        async commitTurn(turn) {
          if (!failOnce) return memory.actorTurns.commitTurn(turn);
          failOnce = false;
          // Stored, input left unsettled (as a log whose group position lags), and the caller told it failed.
          await memory.actorTurns.commitTurn({ ...turn, input: { ...turn.input, ack: () => undefined } });
          throw new Error('the reply was lost');
        },
      },
    };
    const bus = await createBus({ transport: lossy, services: [Counter, Watch], logger: silentLogger });
    buses.push(bus);
    await bus.start();
    await bus.publish(Steps, { n: 5 }, { key: 'c' });
    await bus.publish(Steps, { n: 1 }, { key: 'c' });
    await waitFor('both outputs', () => out.length === 2);
    expect(runs).toEqual([5, 1]);
    expect(out).toEqual([5, 6]);
    await committed('the second turn', async () => (await bus.actorState(Counter, 'c'))?.total === 6);
  });
});

describe("a keyed actor's turn context", () => {
  it('reads through to the message, and holds a publish whose schema answers later until the turn commits', async () => {
    const Steps = topic<Step>('keyed.context');
    const Out = topic<{ n: number }>('keyed.context.out', {
      schema: {
        '~standard': {
          version: 1,
          vendor: 'test',
          validate: async (value: unknown) => {
            await new Promise((resolve) => setTimeout(resolve, 5));
            return { value: value as { n: number } };
          },
        },
      },
    });
    const seen: Record<string, unknown>[] = [];
    const out: number[] = [];
    @Actor('context-reader', { keyed: true })
    class ContextReader {
      @State() n = 0;
      @Subscribe(Steps)
      async step(step: Step, ctx: MessageContext): Promise<void> {
        seen.push({
          id: ctx.id,
          topic: ctx.topic,
          key: ctx.key,
          headers: ctx.headers,
          partition: ctx.partition,
          offset: ctx.offset,
          deliveryCount: ctx.deliveryCount,
          attempt: ctx.attempt,
          timestamp: ctx.timestamp,
          correlationId: ctx.correlationId,
          aborted: ctx.signal.aborted,
        });
        this.n = step.n;
        await ctx.publish(Out, { n: step.n * 10 }, { key: ctx.key! });
      }
    }
    @Actor('context-watch')
    class Watch {
      @Subscribe(Out)
      out(payload: { n: number }): void {
        out.push(payload.n);
      }
    }
    const bus = await started({ services: [ContextReader, Watch] });
    const before = Date.now();
    await bus.publish(Steps, { n: 4 }, { key: 'ctx', headers: { 'x-note': 'hi' }, id: '0190a6a0-0000-7000-8000-000000000001' });
    await waitFor('the output', () => out.length === 1);
    expect(out).toEqual([40]);
    expect(seen).toEqual([
      {
        id: '0190a6a0-0000-7000-8000-000000000001',
        topic: 'keyed.context',
        key: 'ctx',
        headers: expect.objectContaining({ 'x-note': 'hi' }),
        partition: 0,
        offset: 0,
        deliveryCount: 1,
        attempt: 1,
        timestamp: expect.any(Number),
        correlationId: '0190a6a0-0000-7000-8000-000000000001',
        aborted: false,
      },
    ]);
    expect(seen[0]!['timestamp'] as number).toBeGreaterThanOrEqual(before - 1);
    await committed('the state', async () => (await bus.actorState(ContextReader, 'ctx'))?.n === 4);
  });
});
