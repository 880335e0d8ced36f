import { InFlightList, PullDelivery } from '@hopbus/core';
import type { DeliveryOwner } from '@hopbus/core';

class TestDelivery extends PullDelivery {
  constructor(readonly name: string) {
    super({ settle: () => undefined, touch: () => undefined } satisfies DeliveryOwner<PullDelivery>, 0);
  }
}

const names = (list: InFlightList<TestDelivery>): string[] => [...list].map((d) => d.name);

describe('InFlightList', () => {
  it('keeps deliveries in the order added and removes any of them, head, middle or tail', () => {
    const list = new InFlightList<TestDelivery>();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => new TestDelivery(name)) as [TestDelivery, TestDelivery, TestDelivery, TestDelivery];
    for (const delivery of [a, b, c, d]) list.add(delivery);
    expect(names(list)).toEqual(['a', 'b', 'c', 'd']);
    list.delete(b);
    expect(names(list)).toEqual(['a', 'c', 'd']);
    list.delete(a);
    list.delete(d);
    expect(names(list)).toEqual(['c']);
    expect(list.size).toBe(1);
    list.delete(c);
    expect(names(list)).toEqual([]);
    expect(list.size).toBe(0);
    list.add(b);
    expect(names(list)).toEqual(['b']);
  });

  it('ignores removing a delivery that is not in it, twice or never added', () => {
    const list = new InFlightList<TestDelivery>();
    const [a, b, stranger] = ['a', 'b', 'x'].map((name) => new TestDelivery(name)) as [TestDelivery, TestDelivery, TestDelivery];
    list.add(a);
    list.add(b);
    list.delete(a);
    list.delete(a);
    list.delete(stranger);
    expect(names(list)).toEqual(['b']);
    expect(list.size).toBe(1);
  });

  it('visits every delivery once while the one visited is removed (as the ack-timeout sweep does)', () => {
    const list = new InFlightList<TestDelivery>();
    const all = Array.from({ length: 10 }, (_, i) => new TestDelivery(String(i)));
    for (const delivery of all) list.add(delivery);
    const visited: string[] = [];
    for (const delivery of list) {
      visited.push(delivery.name);
      if (Number(delivery.name) % 2 === 0) list.delete(delivery);
    }
    expect(visited).toEqual(all.map((d) => d.name));
    expect(names(list)).toEqual(['1', '3', '5', '7', '9']);
  });
});
