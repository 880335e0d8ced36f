import { makeRecord, NatsServer, numberOf, Receiver } from '@hopbus/testing';
import { NatsTransport } from '../src/index.js';

describe('NatsTransport fire-and-forget topics', () => {
  let server: NatsServer;
  beforeAll(async () => (server = await NatsServer.start()));
  afterAll(async () => server.dispose());

  it('go through core NATS to one member of each group, and lose what nobody heard', async () => {
    const transport = new NatsTransport({ servers: [server.url], logger: { warn: () => undefined } });
    try {
      await transport.connect();
      const topic = 'ff.events';
      await transport.publish([{ ...makeRecord(topic, 0), durable: false }]); // nobody listens: gone
      const options = { start: 'latest' as const, maxInFlight: 100, ackTimeoutMs: 5000, durable: false };
      const a = new Receiver(await transport.subscribe(topic, { ...options, group: 'g' }));
      const b = new Receiver(await transport.subscribe(topic, { ...options, group: 'g' }));
      const other = new Receiver(await transport.subscribe(topic, { ...options, group: 'other' }));
      await transport.publish(Array.from({ length: 100 }, (_, n) => ({ ...makeRecord(topic, n + 1, { headers: { 'x-u': 'é 🚀 ' } }), durable: false })));
      const fromOther = await other.take(100, { ack: true, timeoutMs: 1000 });
      expect(fromOther.map(numberOf)).toEqual(Array.from({ length: 100 }, (_, n) => n + 1));
      expect(fromOther[0]!.headers['x-u']).toBe('é 🚀 ');
      const shared = [...(await a.take(100, { ack: true, timeoutMs: 300 })), ...(await b.take(100, { ack: true, timeoutMs: 300 }))];
      expect(shared.map(numberOf).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, n) => n + 1));
      // No stream was made for it.
      const streams = await fetch(`http://127.0.0.1:${server.httpPort}/jsz?streams=true`).then((r) => r.json() as Promise<{ streams?: number }>);
      expect(streams.streams ?? 0).toBe(0);
    } finally {
      await transport.close();
    }
  });
});
