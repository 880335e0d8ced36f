import { makeRecord, NatsServer, numberOf, Receiver } from '@hopbus/testing';
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

  it('give back what drain() never handed out, for the group to get again at once', async () => {
    // The pause lets the acks reach the server while the pull still listens: then nothing on the
    // server looks at our pull requests again before the naks come, unless the transport sees to
    // it. nats-server 2.9 then lost the first nacked record until ack_wait and sent record 9 twice.
    const transport = new NatsTransport({ servers: [server.url], logger: { warn: () => undefined } });
    const topic = 'settle.giveback';
    const group = { group: 'g', start: 'earliest' as const, maxInFlight: 10, ackTimeoutMs: 60_000 };
    try {
      await transport.publish(Array.from({ length: 10 }, (_, n) => makeRecord(topic, n)));
      const first = await transport.subscribe(topic, group);
      expect((await new Receiver(first).take(5, { ack: true })).map(numberOf)).toEqual([0, 1, 2, 3, 4]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await first.drain();
      const again = new Receiver(await transport.subscribe(topic, group));
      const rest = await again.take(5, { ack: true, timeoutMs: 2000 });
      expect(rest.map((d) => `${numberOf(d)}/${d.deliveryCount}`)).toEqual(['5/2', '6/2', '7/2', '8/2', '9/2']);
      expect(await again.next(300)).toBeUndefined();
    } finally {
      await transport.close();
    }
    const nc = await connect({ servers: server.url });
    try {
      const info = await (await jetstreamManager(nc)).consumers.info('settle_giveback', 'g');
      expect(info.delivered.stream_seq).toBe(10);
      expect(info.num_ack_pending).toBe(0);
    } finally {
      await nc.close();
    }
  });
});
