import { makeRecord, NatsServer, Receiver } from '@hopbus/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { NatsTransport } from '../src/index.js';

describe('NatsTransport settlements', () => {
  let server: NatsServer;
  beforeAll(async () => (server = await NatsServer.start()));
  afterAll(async () => server.dispose());

  it('reach the server, all of them, by the time drain() and close() resolve', async () => {
    // Acks are applied in batches; those made just before drain() must not wait for a batch.
    const transport = new NatsTransport({ servers: [server.url], logger: { warn: () => undefined } });
    const topic = 'settle.batches';
    const total = 300; // two full batches of 128 and a remainder
    try {
      await transport.publish(Array.from({ length: total }, (_, n) => makeRecord(topic, n)));
      const subscription = await transport.subscribe(topic, { group: 'g', start: 'earliest', maxInFlight: total, ackTimeoutMs: 60_000 });
      const got = await new Receiver(subscription).take(total);
      expect(got).toHaveLength(total);
      for (const d of got) d.ack();
      await subscription.drain();
    } finally {
      await transport.close();
    }
    const nc = await connect({ servers: server.url });
    try {
      const info = await (await jetstreamManager(nc)).consumers.info('settle_batches', 'g');
      expect(info.num_ack_pending).toBe(0);
      expect(info.ack_floor.stream_seq).toBe(total);
    } finally {
      await nc.close();
    }
  });
});
