import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { LogInspector } from '@hopbus/log';
import type { GroupDescription } from '@hopbus/log';
import { OrderPlaced, PaymentSettled, ShipmentDispatched, ShippingFailed } from '../src/topics.js';

const built = join(__dirname, '..', 'dist', 'main.js');

/**
 * Enough orders that the payments back-offs alone (every fourth card is declined twice, 75 ms
 * of waits at least, four orders at a time) keep the shop busy for 1.4 s at the very least.
 */
const orderCount = 300;

/** The shop's consumer groups, upstream first: each handler publishes to the topics below it before its message is acked. */
const stages = [
  { topic: OrderPlaced.name, group: 'payments' },
  { topic: PaymentSettled.name, group: 'shipping' },
  { topic: ShipmentDispatched.name, group: 'notifications' },
  { topic: ShippingFailed.name, group: 'notifications' },
] as const;
type Stage = (typeof stages)[number];

/** What a stopped shop left in its log for one stage: the group's position and the orders (record keys) not yet past it. */
interface StageState {
  readonly stage: Stage;
  readonly committed: number;
  readonly end: number;
  readonly keys: readonly string[];
  readonly pendingKeys: readonly string[];
}

describe('the shop example, killed', () => {
  it('is SIGKILLed with orders in flight; the next run on the same log finishes them, redoing only what was not committed', async () => {
    if (!existsSync(built)) throw new Error(`${built} is missing: the test command builds it first (npm test runs npm run build).`);
    const dir = mkdtempSync(join(tmpdir(), 'hopbus-shop-killed-'));
    const shops: ShopProcess[] = [];
    try {
      // Run 1 is killed as soon as the log shows that every group has committed part of its
      // work: from then on each group must resume where it stood, not from the start.
      const first = new ShopProcess(dir, ['--orders', String(orderCount)]);
      shops.push(first);
      await first.until('every group to commit a first position', async () => {
        const groups = await liveGroups(dir);
        return stages.every((stage) => committedOf(groups, stage) > 0);
      });
      first.process.kill('SIGKILL');
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

      // The dir holds what a SIGKILL leaves. Work was in flight: orders in the log that had not
      // reached their end, and records past a group's committed position.
      const atKill = await stageStates(dir);
      const placed = new Set(atKill[0].keys);
      const endedFirst = new Set(endings(first.lines).map(([id]) => id));
      const inFlight = [...placed].filter((id) => !endedFirst.has(id));
      expect(inFlight.length).toBeGreaterThan(0);
      expect(atKill.reduce((lag, s) => lag + s.end - s.committed, 0)).toBeGreaterThan(0);
      expect(atKill.filter((s) => s.committed === 0).map((s) => s.stage)).toEqual([]);
      // Orders go out one at a time, each publish awaited: only the last one told may be missing from the log.
      const told = matches(first.lines, /^\[orders\]\s+(o-\d+) placed by/);
      expect(told.slice(0, placed.size)).toEqual(atKill[0].keys);
      expect(told.length - placed.size).toBeLessThanOrEqual(1);

      // Run 2 places no orders and serves what the log holds. It is done when each stage, upstream
      // first, has caught up: a stage's topic gets no new record once the stages above it are done.
      const second = new ShopProcess(dir, ['--orders', '0', '--serve']);
      shops.push(second);
      for (const stage of stages) {
        await second.until(`${stage.group} to catch up on ${stage.topic}`, async () => {
          const groups = await liveGroups(dir);
          const group = groups.find((g) => g.topic === stage.topic && g.group === stage.group);
          return group !== undefined && group.lag === 0;
        });
      }
      second.process.kill('SIGTERM');
      expect(await second.exited).toEqual({ code: 0, signal: null });
      expect(second.lines[0]).toBe('hopbus shop on the log transport: 0 orders today');
      expect(second.lines).toContain('Serving: handling what the log still holds until SIGINT or SIGTERM.');
      expect(second.lines.slice(-2)).toEqual([
        'SIGTERM: draining.',
        'Every order reached its end. The bus drained and stopped.',
      ]);

      // Nothing is left: every group's committed position is the end of its topic, and no other
      // topic (a dead letter of payments, say) or group appeared.
      const inspector = await LogInspector.open(dir);
      try {
        expect(inspector.listTopics().map((t) => t.name)).toEqual(stages.map((s) => s.topic).sort());
        const lags = inspector.listGroups().map((g) => ({ topic: g.topic, group: g.group, lag: g.lag }));
        expect(lags.sort(byTopic)).toEqual(stages.map((s) => ({ ...s, lag: 0 })).sort(byTopic));
      } finally {
        await inspector.close();
      }

      // Every order in the log reached its end, in one run or the other, and the right end.
      const endsTold = [...endings(first.lines), ...endings(second.lines)];
      const ended = new Set(endsTold.map(([id]) => id));
      expect([...placed].filter((id) => !ended.has(id))).toEqual([]);
      expect([...ended].filter((id) => !placed.has(id))).toEqual([]);
      expect(endsTold.filter(([id, how]) => how !== (isToAtlantis(id) ? 'in the dead letters' : 'mail to'))).toEqual([]);

      // At least once, and no more than that: payments charged exactly the orders past its
      // committed position, once each; run 2 touched no order whose records were all committed.
      const charged = matches(second.lines, /^\[payments\]\s+(o-\d+) charged/);
      expect(charged.sort()).toEqual([...atKill[0].pendingKeys].sort());
      const pending = new Set(atKill.flatMap((s) => s.pendingKeys));
      const touched = new Set(matches(second.lines, /^\[\w+\]\s+(o-\d+) /));
      expect([...touched].filter((id) => !pending.has(id))).toEqual([]);
    } finally {
      for (const shop of shops) if (shop.process.exitCode === null && shop.process.signalCode === null) shop.process.kill('SIGKILL');
      await Promise.all(shops.map((shop) => shop.exited));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** The shop as a program on the log in `dir`, with every line it prints. */
class ShopProcess {
  readonly process: ChildProcessByStdio<null, Readable, Readable>;
  readonly lines: string[] = [];
  /** Resolves once the process has exited and its output is read to the end. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderr = '';

  constructor(dir: string, args: readonly string[]) {
    this.process = spawn(process.execPath, [built, ...args], { env: { ...process.env, HOPBUS_TRANSPORT: `log:${dir}` }, stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: this.process.stdout }).on('line', (line) => this.lines.push(line));
    this.process.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.process.on('close', (code, signal) => resolve({ code, signal })));
  }

  /**
   * Looks every 50 ms until `done` holds; fails if the shop exits first or after 20 s (a loaded
   * machine is slow, not that slow). A look that throws counts as not yet: the shop is writing
   * the dir under it (a topic half created).
   */
  async until(what: string, done: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 20_000;
    let lastError = '';
    for (;;) {
      try {
        if (await done()) return;
      } catch (error) {
        lastError = `\nLast look failed: ${(error as Error).message}`;
      }
      if (this.process.exitCode !== null || this.process.signalCode !== null) throw new Error(`The shop exited before ${what}.${lastError}${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`Waited 20 s for ${what}.${lastError}${this.tail()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private tail(): string {
    return `\nLast lines:\n${this.lines.slice(-10).join('\n')}\nstderr: ${this.stderr || '(none)'}`;
  }
}

/** The groups of `dir` as they are now: each call opens the dir anew (an inspector shows the dir as it was opened). */
async function liveGroups(dir: string): Promise<GroupDescription[]> {
  const inspector = await LogInspector.open(dir);
  try {
    return inspector.listGroups();
  } finally {
    await inspector.close();
  }
}

function committedOf(groups: readonly GroupDescription[], stage: Stage): number {
  const group = groups.find((g) => g.topic === stage.topic && g.group === stage.group);
  return group?.partitions.reduce((sum, p) => sum + p.committed, 0) ?? 0;
}

/** Each stage of a log no process writes to: positions, and the order ids (keys) of its records. */
async function stageStates(dir: string): Promise<[StageState, ...StageState[]]> {
  const inspector = await LogInspector.open(dir, { verifyOnOpen: 'full' });
  try {
    const groups = inspector.listGroups();
    const states: StageState[] = [];
    for (const stage of stages) {
      const group = groups.find((g) => g.topic === stage.topic && g.group === stage.group);
      if (!group) throw new Error(`The group ${stage.group} has no position on ${stage.topic}.`);
      const keys: string[] = [];
      const pendingKeys: string[] = [];
      for (const p of group.partitions) {
        for (const record of await inspector.readRecords(stage.topic, { partition: p.partition, limit: Number.MAX_SAFE_INTEGER })) {
          keys.push(record.key ?? '');
          if (record.offset >= p.committed) pendingKeys.push(record.key ?? '');
        }
      }
      const sum = (of: (p: GroupDescription['partitions'][number]) => number): number => group.partitions.reduce((s, p) => s + of(p), 0);
      states.push({ stage, committed: sum((p) => p.committed), end: sum((p) => p.endOffset), keys, pendingKeys });
    }
    return states as [StageState, ...StageState[]];
  } finally {
    await inspector.close();
  }
}

/** Each end of an order that notifications told, in order: [order id, 'mail to' or 'in the dead letters']. */
function endings(lines: readonly string[]): [string, string][] {
  return lines.flatMap((line): [string, string][] => {
    const match = /^\[notifications\]\s+(o-\d+) (mail to|in the dead letters)/.exec(line);
    return match ? [[match[1]!, match[2]!]] : [];
  });
}

/** The first group of `pattern` in each line that matches, in order. */
function matches(lines: readonly string[], pattern: RegExp): string[] {
  return lines.flatMap((line) => {
    const match = pattern.exec(line);
    return match ? [match[1]!] : [];
  });
}

/** Every fourth order is Nemo's, to an address no carrier serves (see ordersOfTheDay). */
function isToAtlantis(orderId: string): boolean {
  return (Number(orderId.slice(2)) - 1001) % 4 === 2;
}

function byTopic(a: { topic: string }, b: { topic: string }): number {
  return a.topic.localeCompare(b.topic);
}
