import { ReadyTimes } from '../src/ReadyTimes.js';

describe('ReadyTimes', () => {
  it('tells the earliest time after now, dropping the times up to now', () => {
    const times = new ReadyTimes();
    for (const at of [50, 10, 40, 10, 30, 20]) times.add(at);
    expect(times.earliestAfter(0)).toBe(10);
    expect(times.earliestAfter(0)).toBe(10); // asking does not drop it
    expect(times.earliestAfter(10)).toBe(20);
    expect(times.earliestAfter(35)).toBe(40);
    times.add(5); // added after later ones were asked about: still counted
    expect(times.earliestAfter(0)).toBe(5);
    expect(times.earliestAfter(50)).toBeUndefined();
    times.add(70);
    times.clear();
    expect(times.earliestAfter(0)).toBeUndefined();
  });
});
