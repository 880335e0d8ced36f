import { rmSync } from 'node:fs';
import { HopbusError } from '@hopbus/core';
import { freeLoopbackPort, makeRecord, NatsServer, Receiver } from '@hopbus/testing';
import { NatsTransport } from '../src/index.js';
import type { NatsTransportOptions } from '../src/index.js';
import { nkeys } from '@nats-io/transport-node';
import { makeTestCertificates } from './makeTestCertificates.js';
import { makeTestJwts } from './makeTestJwts.js';

const quiet = { warn: () => undefined };

/** A connect timeout far beyond how long refusing bad credentials takes, even on a loaded machine:
 *  a failure well before it was not a timeout but the server's answer. */
const patientMs = 20_000;

async function failure(options: NatsTransportOptions | string): Promise<{ error: unknown; ms: number }> {
  const transport = new NatsTransport(typeof options === 'string' ? options : { logger: quiet, ...options });
  const started = Date.now();
  const error = await transport.connect().then(
    () => undefined,
    (e: unknown) => e,
  );
  await transport.close();
  return { error, ms: Date.now() - started };
}

/** Publishes one record and reads it back: the connection really works. */
async function roundTrip(options: NatsTransportOptions | string, topic: string): Promise<void> {
  const transport = new NatsTransport(typeof options === 'string' ? options : { logger: quiet, ...options });
  try {
    await transport.connect();
    await transport.publish([makeRecord(topic, 7)]);
    const got = await new Receiver(await transport.subscribe(topic, { group: 'g', start: 'earliest', maxInFlight: 10, ackTimeoutMs: 5000 })).next();
    expect(got?.topic).toBe(topic);
    got?.ack();
  } finally {
    await transport.close();
  }
}

describe('NatsTransport connecting', () => {
  it.each([[[]], [['nats://']], [[' , ']]])('refuses servers %j, which name no server, with a config error', async (servers) => {
    const { error } = await failure({ servers, connectTimeoutMs: 1000 });
    expect(HopbusError.hasCode(error, 'config')).toBe(true);
    expect((error as Error).message).toContain('name no server');
  });

  it('fails with connect_failed after the connect timeout when no server listens', async () => {
    const port = await freeLoopbackPort();
    const { error, ms } = await failure({ servers: [`nats://127.0.0.1:${port}`], connectTimeoutMs: 1500 });
    expect(HopbusError.hasCode(error, 'connect_failed')).toBe(true);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    // It gave up at the timeout (not at the first refusal), and did not go on retrying past it.
    expect(ms).toBeGreaterThanOrEqual(1000);
    expect(ms).toBeLessThan(1500 + 10_000);
  });

  describe('user and password', () => {
    let server: NatsServer;
    beforeAll(async () => (server = await NatsServer.start({ auth: { user: 'hop', password: 's3cret' } })));
    afterAll(async () => server.dispose());

    it('connects with the right ones, in the options or in the URL', async () => {
      await roundTrip({ servers: [server.url], user: 'hop', password: 's3cret' }, 'auth.user.options');
      await roundTrip(`nats://hop:s3cret@127.0.0.1:${server.port}`, 'auth.user.url');
    });

    it('fails quickly with auth_failed on a wrong password', async () => {
      const { error, ms } = await failure({ servers: [server.url], user: 'hop', password: 'wrong', connectTimeoutMs: patientMs });
      expect(HopbusError.hasCode(error, 'auth_failed')).toBe(true);
      expect(ms).toBeLessThan(patientMs / 2);
    });
  });

  describe('token', () => {
    let server: NatsServer;
    beforeAll(async () => (server = await NatsServer.start({ auth: { token: 't0ken' } })));
    afterAll(async () => server.dispose());

    it('connects with the right token, in the options or in the URL', async () => {
      await roundTrip({ servers: [server.url], token: 't0ken' }, 'auth.token.options');
      await roundTrip(`nats://127.0.0.1:${server.port}?token=t0ken`, 'auth.token.url');
    });

    it('fails quickly with auth_failed on a wrong or missing token', async () => {
      for (const token of ['nope', undefined]) {
        const { error, ms } = await failure({ servers: [server.url], connectTimeoutMs: patientMs, ...(token ? { token } : {}) });
        expect(HopbusError.hasCode(error, 'auth_failed')).toBe(true);
        expect(ms).toBeLessThan(patientMs / 2);
      }
    });
  });

  describe('TLS', () => {
    const certs = makeTestCertificates();
    let server: NatsServer;
    beforeAll(async () => (server = await NatsServer.start({ tls: { certFile: certs.certFile, keyFile: certs.keyFile } })));
    afterAll(async () => {
      await server.dispose();
      rmSync(certs.dir, { recursive: true, force: true });
    });

    it('connects when it trusts the CA, in the options or in the URL', async () => {
      await roundTrip({ servers: [server.url], tls: { caFile: certs.caFile } }, 'tls.options');
      await roundTrip(`tls://127.0.0.1:${server.port}?tls_ca=${encodeURIComponent(certs.caFile)}`, 'tls.url');
    });

    it('refuses a server whose certificate it cannot verify, with connect_failed', async () => {
      const { error } = await failure({ servers: [server.url], tls: {}, connectTimeoutMs: 1000 });
      expect(HopbusError.hasCode(error, 'connect_failed')).toBe(true);
      expect((error as Error).message).toMatch(/certificate/i);
    });
  });

  describe('NKey', () => {
    const user = nkeys.createUser();
    const seed = new TextDecoder().decode(user.getSeed());
    let server: NatsServer;
    beforeAll(async () => (server = await NatsServer.start({ auth: { nkey: user.getPublicKey() } })));
    afterAll(async () => server.dispose());

    it('connects with the user seed, in the options or in the URL', async () => {
      await roundTrip({ servers: [server.url], nkeySeed: seed }, 'auth.nkey.options');
      await roundTrip(`nats://127.0.0.1:${server.port}?nkey_seed=${seed}`, 'auth.nkey.url');
    });

    it('fails quickly with auth_failed on another seed or none', async () => {
      const other = new TextDecoder().decode(nkeys.createUser().getSeed());
      for (const nkeySeed of [other, undefined]) {
        const { error, ms } = await failure({ servers: [server.url], connectTimeoutMs: patientMs, ...(nkeySeed ? { nkeySeed } : {}) });
        expect(HopbusError.hasCode(error, 'auth_failed')).toBe(true);
        expect(ms).toBeLessThan(patientMs / 2);
      }
    });
  });

  describe('credentials file (operator, account and user JWTs)', () => {
    const jwts = makeTestJwts();
    let server: NatsServer;
    beforeAll(async () => (server = await NatsServer.start({ auth: { operatorJwt: jwts.operatorJwt, accountJwts: jwts.accountJwts, systemAccount: jwts.systemAccount } })));
    afterAll(async () => {
      await server.dispose();
      rmSync(jwts.dir, { recursive: true, force: true });
    });

    it('connects with the user .creds file, in the options or in the URL', async () => {
      await roundTrip({ servers: [server.url], credentialsFile: jwts.credsFile }, 'auth.creds.options');
      await roundTrip(`nats://127.0.0.1:${server.port}?creds=${encodeURIComponent(jwts.credsFile)}`, 'auth.creds.url');
    });

    it('fails quickly with auth_failed when the seed does not match the JWT, or without credentials', async () => {
      for (const credentialsFile of [jwts.wrongCredsFile, undefined]) {
        const { error, ms } = await failure({ servers: [server.url], connectTimeoutMs: patientMs, ...(credentialsFile ? { credentialsFile } : {}) });
        expect(HopbusError.hasCode(error, 'auth_failed')).toBe(true);
        expect(ms).toBeLessThan(patientMs / 2);
      }
    });

    it('fails with config when the credentials file is missing', async () => {
      const { error } = await failure({ servers: [server.url], credentialsFile: `${jwts.dir}/missing.creds` });
      expect(HopbusError.hasCode(error, 'config')).toBe(true);
      expect((error as Error).message).toContain('missing.creds');
    });
  });
});
