import { describeTransportConformance, NatsServer } from '@hopbus/testing';
import { NatsTransport } from '../src/index.js';

let server: NatsServer | undefined;
const started = (): Promise<NatsServer> => (server ? Promise.resolve(server) : NatsServer.start().then((s) => (server = s)));
const quiet = { warn: () => undefined };

describeTransportConformance(
  'NatsTransport',
  { persistent: true, orderedPerKey: true, consumerGroups: true, replay: false },
  {
    create: async () => new NatsTransport({ servers: [(await started()).url], logger: quiet }),
    reopen: async () => new NatsTransport({ servers: [(await started()).url], logger: quiet }),
    cleanup: async () => server?.dispose(),
  },
);
