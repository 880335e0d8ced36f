import { Actor, createBus, MemoryTransport, Publishes, silentLogger, Subscribe, topic, topologyToMermaid } from '@hopbus/core';
import type { Publisher, Topology } from '@hopbus/core';

// What bus.topology() reads from the decorators, and the Mermaid chart `hopbus graph` draws of it.

const Orders = topic<{ id: string }>('shop.orders');
const Payments = topic<{ id: string }>('shop.payments');
const Audit = topic<{ id: string }>('audit-log.v1');

@Actor('order-desk')
class OrderDesk {
  @Publishes(Orders) readonly orders!: Publisher<{ id: string }>;
  @Publishes(Audit) readonly audit!: Publisher<{ id: string }>;
}

@Actor('payments')
class PaymentsActor {
  @Publishes(Payments) readonly payments!: Publisher<{ id: string }>;
  @Subscribe(Orders)
  charge(): void {}
  @Subscribe(Audit, { group: 'payments-audit' })
  note(): void {}
}

describe('the topology', () => {
  it('lists each actor with what it publishes (topic and field) and subscribes to (topic, group, method), the group defaulting to the actor', async () => {
    const bus = await createBus({ transport: new MemoryTransport(), services: [OrderDesk, PaymentsActor], logger: silentLogger });
    try {
      expect(bus.topology()).toEqual({
        actors: [
          {
            name: 'order-desk',
            publishes: [
              { topic: 'shop.orders', field: 'orders' },
              { topic: 'audit-log.v1', field: 'audit' },
            ],
            subscribes: [],
          },
          {
            name: 'payments',
            publishes: [{ topic: 'shop.payments', field: 'payments' }],
            subscribes: [
              { topic: 'shop.orders', group: 'payments', method: 'charge' },
              { topic: 'audit-log.v1', group: 'payments-audit', method: 'note' },
            ],
          },
        ],
      });
    } finally {
      await bus.stop();
    }
  });

  it('draws actors, then topics in name order, then the arrows, with ids made of letters, digits and _', () => {
    const topology: Topology = {
      actors: [
        { name: 'order-desk', publishes: [{ topic: 'shop.orders', field: 'orders' }, { topic: 'audit-log.v1', field: 'audit' }], subscribes: [] },
        { name: 'payments', publishes: [], subscribes: [{ topic: 'shop.orders', group: 'payments', method: 'charge' }] },
      ],
    };
    expect(topologyToMermaid(topology)).toBe(
      [
        'flowchart LR',
        '  actor_order_desk[order-desk]',
        '  actor_payments[payments]',
        '  topic_audit_log_v1((audit-log.v1))',
        '  topic_shop_orders((shop.orders))',
        '  actor_order_desk --> topic_shop_orders',
        '  actor_order_desk --> topic_audit_log_v1',
        '  topic_shop_orders --> actor_payments',
        '',
      ].join('\n'),
    );
  });

  it('draws a topic once however many actors use it, and an empty topology as the header alone', () => {
    const shared: Topology = {
      actors: [
        { name: 'a', publishes: [{ topic: 't', field: 'x' }], subscribes: [{ topic: 't', group: 'a', method: 'm' }] },
        { name: 'b', publishes: [], subscribes: [{ topic: 't', group: 'b', method: 'm' }] },
      ],
    };
    expect(topologyToMermaid(shared).split('\n').filter((line) => line.includes('((t))'))).toEqual(['  topic_t((t))']);
    expect(topologyToMermaid({ actors: [] })).toBe('flowchart LR\n');
  });
});
