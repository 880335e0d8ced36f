import { Actor, Subscribe } from '@hopbus/core';
import type { MessageContext } from '@hopbus/core';
import type { RuntimeCase } from '../RuntimeCase.js';
import { waitUntil } from '../waitUntil.js';

interface Task {
  /** 'quick' returns at once, 'yielding' returns when its signal fires, 'stubborn' ignores its signal. */
  readonly kind: 'quick' | 'yielding' | 'stubborn';
  readonly round: number;
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}

export const drainAtTimeoutCase: RuntimeCase = {
  id: 'drainAtTimeout',
  title: "drains at the stop timeout: running handlers' signal fires, and their unfinished messages come again to a later bus",
  async run(rig) {
    const Tasks = rig.topic<Task>('drain');
    let later = false;
    let stopAsked = false;
    const started: string[] = [];
    const again: string[] = [];
    let abortedAfterStop: boolean | undefined;
    let stubbornSignal: AbortSignal | undefined;
    const stubbornHeld = rig.gate();
    @Actor('drainer')
    class Drainer {
      @Subscribe(Tasks, { concurrency: 3, key: (task) => task.kind, ackTimeoutMs: rig.ackTimeoutMs })
      async work(task: Task, ctx: MessageContext): Promise<void> {
        const name = `${task.kind}#${task.round}`;
        if (later) {
          again.push(name);
          return;
        }
        started.push(name);
        if (task.kind === 'yielding') {
          await aborted(ctx.signal);
          abortedAfterStop = stopAsked;
          throw new Error('gave up when the drain timeout passed');
        }
        if (task.kind === 'stubborn') {
          stubbornSignal = ctx.signal;
          await stubbornHeld.passed;
        }
      }
    }
    const first = await rig.firstBus([Drainer]);
    await first.start();
    const kinds = ['quick', 'yielding', 'stubborn'] as const;
    await first.publishBatch(
      Tasks,
      kinds.map((kind) => ({ payload: { kind, round: 1 }, options: { key: kind } })),
    );
    await waitUntil('the three handlers to start', () => started.length === 3);
    stopAsked = true;
    await first.stop({ timeoutMs: 100 });

    expect(abortedAfterStop).toBe(true);
    expect(stubbornSignal?.aborted).toBe(true);

    later = true;
    const second = await rig.laterBus([Drainer]);
    await second.start();
    await second.publish(Tasks, { kind: 'quick', round: 2 }, { key: 'quick' });
    await waitUntil('the unfinished messages and a new one', () => ['yielding#1', 'stubborn#1', 'quick#2'].every((name) => again.includes(name)));
    // The one that finished before the stop was settled: the new message of its key came alone.
    expect(again).not.toContain('quick#1');
  },
};
