import { cpSync, statSync, utimesSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Delivery } from '@hopbus/core';
import { LogTransport, resetGroup } from '@hopbus/log';
import { tempDir } from './support/tempDir.js';

const topic = 'heads.t';
const options = { group: 'g', start: 'earliest', maxInFlight: 1, ackTimeoutMs: 600_000 } as const;

async function firstDelivery(transport: LogTransport): Promise<Delivery> {
  const subscription = await transport.subscribe(topic, options);
  return (await subscription[Symbol.asyncIterator]().next()).value as Delivery;
}

/**
 * A run that dies with record 0 handed out: the files on disk at that moment, copied (without
 * the lock) into `crashed`, as a SIGKILL would leave them. Once a record is handed out its head is recorded.
 */
async function crashWithFirstRecordOut(dir: string, crashed: string): Promise<void> {
  const seed = new LogTransport({ dir, fsync: 'never' });
  await seed.publish([0, 1].map((i) => ({ id: `r${i}`, topic, headers: {}, data: Buffer.from(`record ${i}`), timestamp: Date.now() })));
  await seed.close();
  const run = new LogTransport({ dir, fsync: 'never' });
  try {
    expect((await firstDelivery(run)).deliveryCount).toBe(1);
    cpSync(dir, crashed, { recursive: true, filter: (path) => basename(path) !== '.lock' });
  } finally {
    await run.close();
  }
}

/** The deliveryCount of the first record a run opening `dir` hands out. */
async function nextRunCount(dir: string): Promise<number> {
  const run = new LogTransport({ dir, fsync: 'never' });
  try {
    const delivery = await firstDelivery(run);
    expect(delivery.offset).toBe(0);
    return delivery.deliveryCount;
  } finally {
    await run.close();
  }
}

describe('the heads a group records to count deliveries across restarts', () => {
  // File times are coarse (a kernel tick, ~4 ms on Linux; a second or two on some file systems):
  // the offsets written as a run opens and the heads written right after often share one. And
  // an ordinary commit may land after the heads were recorded.
  it.each([
    ['in the same clock tick as', 0],
    ['after', 5],
  ])('count a run that died with its head out when the offsets were written %s them', async (_when, offsetsLaterBy) => {
    const { dir, remove } = tempDir('heads');
    try {
      const crashed = join(dir, 'crashed');
      await crashWithFirstRecordOut(join(dir, 'data'), crashed);
      const groups = join(crashed, topic, 'groups');
      const headsAt = statSync(join(groups, 'g.heads')).mtime.getTime() / 1000;
      utimesSync(join(groups, 'g.heads'), headsAt, headsAt);
      utimesSync(join(groups, 'g.offsets'), headsAt + offsetsLaterBy, headsAt + offsetsLaterBy);
      expect(await nextRunCount(crashed)).toBe(2);
    } finally {
      remove();
    }
  });

  it('are voided by a reset that rewrites the offsets, even one whose file looks older', async () => {
    const { dir, remove } = tempDir('heads');
    try {
      const crashed = join(dir, 'crashed');
      await crashWithFirstRecordOut(join(dir, 'data'), crashed);
      await resetGroup(crashed, topic, 'g', { position: 'earliest' });
      const groups = join(crashed, topic, 'groups');
      const headsAt = statSync(join(groups, 'g.heads')).mtime.getTime() / 1000;
      utimesSync(join(groups, 'g.offsets'), headsAt - 5, headsAt - 5);
      expect(await nextRunCount(crashed)).toBe(1);
    } finally {
      remove();
    }
  });
});
