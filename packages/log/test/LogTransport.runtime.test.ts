import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Transport } from '@hopbus/core';
import { describeRuntimeConformance } from '@hopbus/testing';
import { LogTransport } from '@hopbus/log';

const root = mkdtempSync(join(tmpdir(), 'hopbus-log-runtime-'));
let n = 0;

describeRuntimeConformance(
  'LogTransport',
  {
    persistent: true,
    orderedPerKey: true,
    consumerGroups: true,
    replay: true,
    actorTurns: true,
    ackTimeoutMs: 500,
  },
  {
    create: async () => new LogTransport({ dir: join(root, String(++n)) }),
    reopen: async (earlier: Transport) => new LogTransport({ ...(earlier as LogTransport).options }),
    cleanup: async () => rmSync(root, { recursive: true, force: true }),
  },
);
