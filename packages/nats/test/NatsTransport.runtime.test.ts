import { describeRuntimeConformance, NatsServer } from '@hopbus/testing';
import { NatsTransport } from '../src/index.js';

let server: NatsServer | undefined;
const started = (): Promise<NatsServer> => (server ? Promise.resolve(server) : NatsServer.start().then((s) => (server = s)));
const quiet = { warn: () => undefined };

describeRuntimeConformance(
  'NatsTransport',
  // JetStream redelivers after ack_wait on the server: a second is short, and well above its timer's granularity.
  { persistent: true, orderedPerKey: true, consumerGroups: true, replay: false, actorTurns: true, ackTimeoutMs: 1000 },
  {
    create: async () => new NatsTransport({ servers: [(await started()).url], logger: quiet }),
    reopen: async () => new NatsTransport({ servers: [(await started()).url], logger: quiet }),
    cleanup: async () => server?.dispose(),
  },
);
