import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { CorruptLogError } from '@hopbus/log';
import type { RecoveryEvent } from '@hopbus/log';
import { journalPath, TurnJournal } from '../src/actors/TurnJournal.js';
import { decodeTurnFrame, encodeTurnFrame } from '../src/actors/turnFrame.js';
import type { JournalTurn } from '../src/actors/turnFrame.js';
import { resolveLogOptions } from '../src/LogOptions.js';
import { tempDir } from './support/tempDir.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function turn(n: number): JournalTurn {
  return {
    actor: 'accounts',
    key: `k-${n} ✓`,
    state: bytes(`{"fields":{"n":${n}},"inputs":{}}`),
    records: [
      { id: `id-${n}-a`, topic: 'bank.balance', key: `k-${n} ✓`, headers: { 'hopbus-correlation-id': 'c1', 'x-émoji': '🦀' }, data: bytes(`{"n":${n}}`), timestamp: 1_700_000_000_000 + n },
      { id: `id-${n}-b`, topic: 'bank.audit', headers: {}, data: new Uint8Array(0), timestamp: 1_700_000_000_001, durable: false },
    ],
  };
}

async function reopen(dir: string, onCorruption: 'fail' | 'truncate' = 'fail'): Promise<{ turns: JournalTurn[]; events: RecoveryEvent[]; journal: TurnJournal }> {
  const turns: JournalTurn[] = [];
  const events: RecoveryEvent[] = [];
  const journal = await TurnJournal.open(dir, resolveLogOptions({ dir, onCorruption, onRecovery: (e) => events.push(e) }), (t) => turns.push(t));
  return { turns, events, journal };
}

describe('the turn frame', () => {
  it('reads back every field of a turn byte-exact: unicode, headers, a record without a key, durable false', () => {
    const frame = encodeTurnFrame(turn(1));
    const read = decodeTurnFrame(frame, 0)!;
    expect(read.next).toBe(frame.byteLength);
    expect(read.turn).toEqual(turn(1));
    expect(read.turn.records[1]).not.toHaveProperty('key', expect.anything());
    expect(read.turn.records[0]).not.toHaveProperty('durable');
  });

  it('refuses a frame with a flipped byte or cut short', () => {
    const frame = encodeTurnFrame(turn(2));
    const flipped = Buffer.from(frame);
    flipped[frame.byteLength - 3]! ^= 0x01;
    expect(decodeTurnFrame(flipped, 0)).toBeUndefined();
    expect(decodeTurnFrame(frame.subarray(0, frame.byteLength - 1), 0)).toBeUndefined();
  });
});

describe('the turn journal', () => {
  it('keeps turns across reopen, in commit order, the ones committed together included', async () => {
    const { dir, remove } = tempDir('journal-order');
    try {
      const first = await reopen(dir);
      await Promise.all([1, 2, 3].map((n) => first.journal.append(turn(n))));
      await first.journal.append(turn(4));
      await first.journal.close();
      const second = await reopen(dir);
      expect(second.turns.map((t) => t.key)).toEqual(['k-1 ✓', 'k-2 ✓', 'k-3 ✓', 'k-4 ✓']);
      expect(second.events).toEqual([]);
      await second.journal.close();
    } finally {
      remove();
    }
  });

  it('cuts a last frame a crash tore, says so, and appends after the last whole one', async () => {
    const { dir, remove } = tempDir('journal-torn');
    try {
      const first = await reopen(dir);
      await first.journal.append(turn(1));
      const end = await first.journal.append(turn(2));
      await first.journal.close();
      truncateSync(journalPath(dir), end - 5);
      const second = await reopen(dir);
      expect(second.turns.map((t) => t.key)).toEqual(['k-1 ✓']);
      expect(second.events).toEqual([expect.objectContaining({ kind: 'truncated', file: journalPath(dir) })]);
      await second.journal.append(turn(3));
      await second.journal.close();
      const third = await reopen(dir);
      expect(third.turns.map((t) => t.key)).toEqual(['k-1 ✓', 'k-3 ✓']);
      await third.journal.close();
    } finally {
      remove();
    }
  });

  it('refuses to open over a bad frame with whole frames after it, unless onCorruption is truncate', async () => {
    const { dir, remove } = tempDir('journal-corrupt');
    try {
      const first = await reopen(dir);
      const afterOne = await first.journal.append(turn(1));
      await first.journal.append(turn(2));
      await first.journal.append(turn(3));
      await first.journal.close();
      const file = readFileSync(journalPath(dir));
      file[afterOne + 20]! ^= 0xff;
      writeFileSync(journalPath(dir), file);
      const error = await reopen(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorruptLogError);
      expect((error as CorruptLogError).position).toBe(afterOne);
      const cut = await reopen(dir, 'truncate');
      expect(cut.turns.map((t) => t.key)).toEqual(['k-1 ✓']);
      expect(cut.events).toEqual([expect.objectContaining({ kind: 'truncated' })]);
      await cut.journal.close();
    } finally {
      remove();
    }
  });
});
