import { Mailboxes } from '../src/runtime/Mailboxes.js';

// The per-key scheduler under the runtime, on its own: who runs when, in which order, and what
// stop() gets back from it. Each item's work is finished by the test (or at once, when `sync`).

interface Job {
  readonly name: string;
  readonly sync?: boolean;
}

function harness(concurrency: number) {
  const started: string[] = [];
  const finishers = new Map<string, () => void>();
  const boxes = new Mailboxes<Job>(concurrency, (job) => {
    started.push(job.name);
    if (job.sync) return undefined;
    return new Promise<void>((resolve) => finishers.set(job.name, resolve));
  });
  /** Finishes `name`'s work and lets what follows from it run. */
  const finish = async (name: string): Promise<void> => {
    const done = finishers.get(name);
    if (!done) throw new Error(`${name} is not running (started: ${started.join(', ')})`);
    finishers.delete(name);
    done();
    await new Promise((resolve) => setImmediate(resolve));
  };
  const running = (): string[] => [...finishers.keys()];
  return { boxes, started, finish, running };
}

const job = (name: string, sync = false): Job => ({ name, sync });

describe('Mailboxes', () => {
  it('runs one key\'s items one at a time, in arrival order, and other keys beside them', async () => {
    const { boxes, started, finish, running } = harness(4);
    boxes.push('a', job('a1'));
    boxes.push('a', job('a2'));
    boxes.push('b', job('b1'));
    boxes.push('a', job('a3'));
    expect(running()).toEqual(['a1', 'b1']);
    expect(boxes.size).toBe(4);
    await finish('a1');
    expect(running()).toEqual(['b1', 'a2']);
    await finish('a2');
    await finish('a3');
    await finish('b1');
    expect(started).toEqual(['a1', 'b1', 'a2', 'a3']);
    expect(boxes.size).toBe(0);
    // The key is forgotten once its mailbox is empty: its next item runs at once.
    boxes.push('a', job('a4'));
    expect(running()).toEqual(['a4']);
  });

  it('runs at most `concurrency` at once, what waits for a slot in arrival order', async () => {
    const { boxes, started, finish, running } = harness(2);
    for (const [key, name] of [[undefined, 'x1'], ['k', 'k1'], [undefined, 'x2'], ['m', 'm1'], ['k', 'k2']] as const) boxes.push(key, job(name));
    expect(running()).toEqual(['x1', 'k1']);
    await finish('x1');
    expect(running()).toEqual(['k1', 'x2']);
    await finish('x2');
    expect(running()).toEqual(['k1', 'm1']);
    await finish('k1');
    expect(running()).toEqual(['m1', 'k2']);
    await finish('m1');
    await finish('k2');
    expect(started).toEqual(['x1', 'k1', 'x2', 'm1', 'k2']);
    expect(boxes.size).toBe(0);
  });

  it('costs no promise for work that finishes at once: it is done when push returns', async () => {
    const { boxes, started } = harness(1);
    boxes.push('a', job('a1', true));
    boxes.push('a', job('a2', true));
    boxes.push(undefined, job('x', true));
    expect(started).toEqual(['a1', 'a2', 'x']);
    expect(boxes.size).toBe(0);
    let idle = false;
    void boxes.idle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(true);
  });

  it('serves waiting work that finishes at once in one go once a slot frees', async () => {
    const { boxes, started, finish } = harness(1);
    boxes.push(undefined, job('slow'));
    boxes.push('a', job('a1', true));
    boxes.push('a', job('a2', true));
    boxes.push(undefined, job('x', true));
    boxes.push('b', job('b1'));
    expect(started).toEqual(['slow']);
    expect(boxes.size).toBe(5);
    await finish('slow');
    expect(started).toEqual(['slow', 'a1', 'a2', 'x', 'b1']);
    expect(boxes.size).toBe(1);
    await finish('b1');
    expect(boxes.size).toBe(0);
  });

  it('resolves idle() for every waiter once nothing runs or waits, not before', async () => {
    const { boxes, finish } = harness(2);
    boxes.push('a', job('a1'));
    boxes.push('a', job('a2'));
    const seen: string[] = [];
    void boxes.idle().then(() => seen.push('first'));
    void boxes.idle().then(() => seen.push('second'));
    await finish('a1');
    expect(seen).toEqual([]);
    await finish('a2');
    expect(seen).toEqual(['first', 'second']);
    // A later wait needs a later idle.
    boxes.push(undefined, job('x'));
    void boxes.idle().then(() => seen.push('third'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toHaveLength(2);
    await finish('x');
    expect(seen).toEqual(['first', 'second', 'third']);
  });

  it('does not call itself idle while another worker still runs', async () => {
    const { boxes, finish } = harness(2);
    boxes.push(undefined, job('x'));
    boxes.push(undefined, job('y'));
    let idle = false;
    void boxes.idle().then(() => (idle = true));
    await finish('x');
    expect(idle).toBe(false);
    await finish('y');
    expect(idle).toBe(true);
  });

  it('lists what it holds: queued items and every keyed one, the running heads of mailboxes included, not running keyless ones', () => {
    const { boxes } = harness(2);
    boxes.push(undefined, job('x1')); // runs
    boxes.push('a', job('a1')); // runs, with a mailbox
    boxes.push('a', job('a2'));
    boxes.push(undefined, job('x2'));
    boxes.push('b', job('b1'));
    const held: string[] = [];
    boxes.forEachHeld((j) => held.push(j.name));
    expect(held.sort()).toStrictEqual(['a1', 'a2', 'b1', 'x2']);
  });

  it('gives back what has not started, in arrival order, keeping the running ones, and tells idle waiters once nothing is left', async () => {
    const { boxes, finish, running } = harness(2);
    boxes.push(undefined, job('x1'));
    boxes.push('a', job('a1'));
    boxes.push('a', job('a2'));
    boxes.push(undefined, job('x2'));
    boxes.push('b', job('b1'));
    boxes.push('b', job('b2'));
    boxes.push('a', job('a3'));
    expect(boxes.takeQueued().map((j) => j.name)).toEqual(['x2', 'b1', 'b2', 'a2', 'a3']);
    expect(boxes.size).toBe(2);
    expect(boxes.takeQueued()).toEqual([]);
    let idle = false;
    void boxes.idle().then(() => (idle = true));
    await finish('x1');
    await finish('a1');
    expect(idle).toBe(true);
    expect(running()).toEqual([]);
    expect(boxes.size).toBe(0);
  });

  it('tells idle waiters when taking the queue leaves nothing held', async () => {
    const none = new Mailboxes<Job>(0, () => undefined); // no slot: everything waits
    none.push('k', job('k1'));
    none.push(undefined, job('x1'));
    let idle = false;
    void none.idle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    expect(none.takeQueued().map((j) => j.name)).toEqual(['k1', 'x1']);
    await Promise.resolve();
    expect(idle).toBe(true);
  });

  it('keeps arrival order past the point where it compacts its ready list, and lists and gives back the right items after it', async () => {
    const { boxes, started, finish } = harness(1);
    boxes.push(undefined, job('head'));
    const names = Array.from({ length: 3000 }, (_, i) => `i${i}`);
    for (const name of names) boxes.push(undefined, job(name, true));
    boxes.push(undefined, job('slow'));
    boxes.push(undefined, job('tail1'));
    boxes.push(undefined, job('tail2'));
    await finish('head');
    expect(started.slice(1, 3001)).toEqual(names);
    expect(started.at(-1)).toBe('slow');
    const held: string[] = [];
    boxes.forEachHeld((j) => held.push(j.name));
    expect(held).toStrictEqual(['tail1', 'tail2']);
    expect(boxes.takeQueued().map((j) => j.name)).toEqual(['tail1', 'tail2']);
    await finish('slow');
    expect(boxes.size).toBe(0);
  });
});
