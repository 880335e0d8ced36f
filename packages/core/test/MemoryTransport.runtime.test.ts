import { MemoryTransport } from '@hopbus/core';
import { describeRuntimeConformance, transportOutlivingBuses } from '@hopbus/testing';

const made: MemoryTransport[] = [];

describeRuntimeConformance(
  'MemoryTransport',
  { persistent: false, orderedPerKey: true, consumerGroups: true, replay: false, actorTurns: true, ackTimeoutMs: 500 },
  {
    create: async () => transportOutlivingBuses(made[made.push(new MemoryTransport()) - 1]!),
    reopen: async (earlier) => earlier,
    cleanup: async () => void (await Promise.all(made.map((t) => t.close()))),
  },
);
