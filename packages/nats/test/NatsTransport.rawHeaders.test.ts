import { makeRecord, NatsServer, numberOf, Receiver } from '@hopbus/testing';
import type { Delivery } from '@hopbus/core';
import { NatsTransport } from '../src/index.js';
import { rawPublish } from './support/rawPublish.js';

/** Header blocks the official client refuses to decode, as any raw client can send them. */
const refused: readonly { block: string; headers: Record<string, string> }[] = [
  { block: 'NATS/1.0\r\nx a: b\r\n\r\n', headers: { 'x a': 'b' } }, // a space in a name
  { block: 'NATS/1.0\r\nnaïve: yes\r\nx-ok: 1\r\n\r\n', headers: { naïve: 'yes', 'x-ok': '1' } }, // a name above ASCII
  { block: 'NATS/1.0\r\nx-v: a\nb\r\n\r\n', headers: { 'x-v': 'a\nb' } }, // a lone LF in a value
];

/** What arrived, in order: the record's number (its payload) and its headers. */
const arrivals = (got: readonly Delivery[]) => got.map((d) => ({ n: numberOf(d), headers: d.headers }));

const expected = [
  { n: 0, headers: { 'x-n': '0' } },
  ...refused.map((r, i) => ({ n: i + 1, headers: r.headers })),
  { n: refused.length + 1, headers: { 'x-n': String(refused.length + 1) } },
];

describe('NatsTransport receiving header blocks the NATS client refuses', () => {
  let server: NatsServer;
  beforeAll(async () => (server = await NatsServer.start()));
  afterAll(async () => server.dispose());

  let transport: NatsTransport;
  beforeEach(() => (transport = new NatsTransport({ servers: [server.url], logger: { warn: () => undefined } })));
  afterEach(async () => transport.close());

  async function sendAll(topic: string, subject: string, durable: boolean): Promise<void> {
    await transport.publish([{ ...makeRecord(topic, 0), durable }]);
    for (const [i, r] of refused.entries()) await rawPublish(server.port, subject, r.block, `{"n":${i + 1}}`);
    const last = refused.length + 1;
    await transport.publish([{ ...makeRecord(topic, last), durable }]);
  }

  it('delivers each on a durable topic with its headers read as they are, and goes on with the next', async () => {
    const topic = 'raw.durable';
    await sendAll(topic, topic, true);
    const subscription = await transport.subscribe(topic, { group: 'g', start: 'earliest', maxInFlight: 10, ackTimeoutMs: 10_000 });
    const got = await new Receiver(subscription).take(expected.length, { ack: true, timeoutMs: 10_000 });
    expect(arrivals(got)).toEqual(expected);
    expect(got[1]!.id).toBe(''); // no Nats-Msg-Id: not a hopbus record
  });

  it('does the same on a fire-and-forget topic (core NATS)', async () => {
    const topic = 'raw.core';
    const subscription = await transport.subscribe(topic, { group: 'g', start: 'latest', maxInFlight: 10, ackTimeoutMs: 10_000, durable: false });
    await sendAll(topic, topic, false);
    const got = await new Receiver(subscription).take(expected.length, { ack: true, timeoutMs: 10_000 });
    expect(arrivals(got)).toEqual(expected);
  });
});
