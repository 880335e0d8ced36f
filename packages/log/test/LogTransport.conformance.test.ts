import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Transport } from '@hopbus/core';
import { describeTransportConformance } from '@hopbus/testing';
import { LogTransport } from '@hopbus/log';

const root = mkdtempSync(join(tmpdir(), 'hopbus-log-conformance-'));
let n = 0;

describeTransportConformance(
  'LogTransport',
  { persistent: true, orderedPerKey: true, consumerGroups: true, replay: true },
  {
    create: async () => new LogTransport({ dir: join(root, String(++n)) }),
    reopen: async (closed: Transport) => new LogTransport({ ...(closed as LogTransport).options }),
    replay: async (transport, topic, group, to) => {
      await (transport as LogTransport).resetGroup(topic, group, to === 'earliest' ? { position: 'earliest' } : to);
    },
    cleanup: async () => rmSync(root, { recursive: true, force: true }),
  },
);
