import { PartlyPublishedError } from '@hopbus/core';
import { makeRecord, NatsServer } from '@hopbus/testing';
import { NatsTransport } from '../src/index.js';

describe('NatsTransport publish() of many records', () => {
  let server: NatsServer;
  beforeAll(async () => (server = await NatsServer.start({ maxPayload: 1024 * 1024 })));
  afterAll(async () => server.dispose());

  it('says which records were acknowledged when others were not', async () => {
    const transport = new NatsTransport({ servers: [server.url], logger: { warn: () => undefined } });
    try {
      // The middle record is over this server's max_payload (1 MiB): the client refuses it alone.
      const records = [makeRecord('partly.t', 0), makeRecord('partly.t', 1, { data: new Uint8Array(2 * 1024 * 1024) }), makeRecord('partly.t', 2)];
      const outcome = await transport.publish(records).catch((error: unknown) => error);
      expect(outcome).toBeInstanceOf(PartlyPublishedError);
      expect((outcome as PartlyPublishedError).code).toBe('publish_failed');
      expect((outcome as PartlyPublishedError).message).toContain('1 of 3 records were not acknowledged');
      expect([...(outcome as PartlyPublishedError).storedIds].sort()).toEqual([records[0]!.id, records[2]!.id].sort());
    } finally {
      await transport.close();
    }
  });
});
