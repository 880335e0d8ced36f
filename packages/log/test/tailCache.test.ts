import { TailCache, TailCacheBudget } from '../src/TailCache.js';
import type { Segment } from '../src/Segment.js';

/** TailCache only compares segments by identity. */
const segment = (name: string): Segment => ({ name }) as unknown as Segment;
const bytes = (size: number, fill: number): Buffer => Buffer.alloc(size, fill);

describe('TailCache', () => {
  it('serves reads inside the commits it holds, up to the end of the commit, and nothing else', () => {
    const budget = new TailCacheBudget(1 << 20);
    const cache = new TailCache(budget);
    const active = segment('a');
    cache.add(active, 1000, bytes(100, 1));
    cache.add(active, 1100, bytes(50, 2));
    expect(cache.slice(active, 1000, 1000)).toEqual(bytes(100, 1)); // stops at the commit's end
    expect(cache.slice(active, 1100, 20)).toEqual(bytes(20, 2));
    expect(cache.slice(active, 1120, 1000)).toEqual(bytes(30, 2));
    expect(cache.slice(active, 999, 10)).toBeUndefined(); // before what is held: read the file
    expect(cache.slice(active, 1150, 10)).toBeUndefined(); // past it
    expect(cache.slice(segment('other'), 1000, 10)).toBeUndefined();
    expect(budget.used).toBe(150);
  });

  it('copies what it keeps: the commit buffer may be reused', () => {
    const cache = new TailCache(new TailCacheBudget(1 << 20));
    const active = segment('a');
    const scratch = bytes(10, 7);
    cache.add(active, 0, scratch);
    scratch.fill(9);
    expect(cache.slice(active, 0, 10)).toEqual(bytes(10, 7));
  });

  it('drops the oldest commits past 1 MiB per partition and starts over on a new segment', () => {
    const budget = new TailCacheBudget(64 << 20);
    const cache = new TailCache(budget);
    const first = segment('first');
    for (let i = 0; i < 5; i++) cache.add(first, i * 300_000, bytes(300_000, i));
    expect(cache.slice(first, 0, 10)).toBeUndefined();
    expect(cache.slice(first, 4 * 300_000, 10)).toEqual(bytes(10, 4));
    expect(budget.used).toBeLessThanOrEqual(1 << 20);
    const next = segment('next');
    cache.add(next, 0, bytes(10, 5));
    expect(cache.slice(first, 4 * 300_000, 10)).toBeUndefined();
    expect(budget.used).toBe(10);
  });

  it('shares one budget among partitions: past it, a partition keeps less or nothing, and clear() gives back', () => {
    const budget = new TailCacheBudget(1000);
    const one = new TailCache(budget);
    const two = new TailCache(budget);
    one.add(segment('1'), 0, bytes(800, 1));
    two.add(segment('2'), 0, bytes(400, 2)); // would pass the budget: not kept
    expect(two.slice(segment('2'), 0, 10)).toBeUndefined();
    expect(budget.used).toBe(800);
    one.clear();
    expect(budget.used).toBe(0);
    const seg2 = segment('2b');
    two.add(seg2, 0, bytes(400, 2));
    expect(two.slice(seg2, 0, 400)).toEqual(bytes(400, 2));
    expect(budget.used).toBe(400);
  });

  it('keeps nothing with a budget of 0', () => {
    const budget = new TailCacheBudget(0);
    const cache = new TailCache(budget);
    cache.add(segment('a'), 0, bytes(10, 1));
    expect(cache.slice(segment('a'), 0, 10)).toBeUndefined();
    expect(budget.used).toBe(0);
  });
});
