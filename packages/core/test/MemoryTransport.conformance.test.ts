import { MemoryTransport } from '@hopbus/core';
import { describeTransportConformance } from '@hopbus/testing';

describeTransportConformance(
  'MemoryTransport',
  { persistent: false, orderedPerKey: true, consumerGroups: true, replay: false },
  { create: async () => new MemoryTransport() },
);
