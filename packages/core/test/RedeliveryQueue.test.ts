import { RedeliveryQueue } from '@hopbus/core';

describe('RedeliveryQueue', () => {
  it('hands out due items in order and holds back the ones not due yet', () => {
    const queue = new RedeliveryQueue<number>((a, b) => a < b);
    queue.add(30, 100);
    queue.add(10, 300);
    queue.add(20, 100);
    queue.add(5, 200);
    expect(queue.size).toBe(4);
    expect(queue.take(50)).toBeUndefined();
    expect(queue.nextReadyAt()).toBe(100);
    expect(queue.take(100)).toBe(20);
    expect(queue.nextReadyAt()).toBe(200);
    queue.add(1, 0);
    expect(queue.take(150)).toBe(1);
    expect(queue.take(250)).toBe(5);
    expect(queue.take(250)).toBe(30);
    expect(queue.take(250)).toBeUndefined();
    expect([...queue.values()]).toEqual([10]);
    expect(queue.take(300)).toBe(10);
    expect(queue.size).toBe(0);
    expect(queue.nextReadyAt()).toBeUndefined();
  });

  it('keeps order over many random items', () => {
    const queue = new RedeliveryQueue<number>((a, b) => a < b);
    const items = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5000);
    for (const item of items) queue.add(item, item % 3);
    const taken: number[] = [];
    for (let item = queue.take(10); item !== undefined; item = queue.take(10)) taken.push(item);
    expect(taken).toEqual([...items].sort((a, b) => a - b));
    queue.add(1, 0);
    queue.clear();
    expect(queue.take(10)).toBeUndefined();
  });
});
