import fc from 'fast-check';
import { makeRecord, NatsServer } from '@hopbus/testing';
import { connect, headers as natsHeaders, MsgHdrsImpl } from '@nats-io/transport-node';
import type { Msg } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { EncodedRecordHeaders } from '../src/EncodedRecordHeaders.js';
import { fieldsOfBlock, headerBlockOf, readHeaderFields } from '../src/decodeHeaderBlock.js';
import { fromNatsHeaders } from '../src/recordHeaders.js';
import { anyRecord } from './support/anyRecord.js';

const byClient = (block: Uint8Array) => fromNatsHeaders(MsgHdrsImpl.decode(block));
const utf8 = (text: string) => new TextEncoder().encode(text);
const fieldsOf = (block: Uint8Array) => fieldsOfBlock(Buffer.from(block), block.byteLength);

describe('a received header block read straight from its bytes', () => {
  it('gives the fields the client\'s header map gives, for any record', () => {
    fc.assert(
      fc.property(anyRecord, (record) => {
        const block = new EncodedRecordHeaders(record).encode();
        expect(fieldsOf(block)).toEqual(byClient(block));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads any other block as the client does (status line, padding, repeated names, lines without a colon), or leaves it to the client', () => {
    const nameChar = fc.constantFrom('a', 'B', '-', '~', ' ', ':', 'é', '\t', 'Z', '9');
    const valueChar = fc.constantFrom('v', ' ', '\t', 'é', '🚀', ':', '\u00a0', 'x');
    const line = fc.oneof(
      fc.tuple(fc.string({ unit: nameChar, maxLength: 6 }), fc.string({ unit: valueChar, maxLength: 8 })).map(([n, v]) => `${n}:${v}`),
      fc.constantFrom('Nats-Msg-Id: id-1', 'Nats-Msg-Id:id-2', 'Hopbus-Key:  k ', 'Hopbus-Timestamp: 12', 'no colon here', ''),
    );
    const status = fc.constantFrom('NATS/1.0', 'NATS/1.0 503', 'NATS/1.0 100 Idle Heartbeat');
    let readHere = 0;
    fc.assert(
      fc.property(status, fc.array(line, { maxLength: 8 }), (first, lines) => {
        const block = utf8(`${[first, ...lines].join('\r\n')}\r\n\r\n`);
        const ours = fieldsOf(block);
        let theirs: ReturnType<typeof byClient> | Error;
        try {
          theirs = byClient(block);
        } catch (error) {
          theirs = error as Error;
        }
        if (ours === undefined) return; // left to the client, whatever it makes of it
        readHere++;
        expect(ours).toEqual(theirs);
      }),
      { numRuns: 3000 },
    );
    expect(readHere).toBeGreaterThan(1000); // most blocks are read here, not handed back
  });

  describe('from a real nats-server', () => {
    let server: NatsServer;
    beforeAll(async () => (server = await NatsServer.start()));
    afterAll(async () => server.dispose());

    it('finds the header block in the messages the pinned client receives, core and JetStream', async () => {
      const nc = await connect({ servers: server.url });
      try {
        const record = makeRecord('hb.core', 7, { headers: { traceparent: 'tp', 'x-é': ' padded ' }, key: 'k1' });
        const received = new Promise<Msg>((resolve) => nc.subscribe('hb.core', { max: 1, callback: (_, m) => resolve(m) }));
        nc.publish('hb.core', record.data, { headers: new EncodedRecordHeaders(record) });
        const core = await received;
        expect(headerBlockOf(core)).toBeDefined();
        expect(readHeaderFields(core)).toEqual({ id: record.id, key: 'k1', timestamp: record.timestamp, headers: { traceparent: 'tp', 'x-é': ' padded ' } });

        await (await jetstreamManager(nc)).streams.add({ name: 'hb', subjects: ['hb.js'] });
        const js = jetstream(nc);
        const h = natsHeaders();
        h.set('Nats-Msg-Id', 'm-1');
        h.set('x-a', 'b');
        await js.publish('hb.js', utf8('{}'), { headers: h });
        const message = await (await js.consumers.get('hb')).next();
        expect(message).not.toBeNull();
        expect(headerBlockOf(message!)).toBeDefined();
        expect(readHeaderFields(message!)).toEqual(fromNatsHeaders(message!.headers));
        expect(readHeaderFields(message!).headers).toEqual({ 'x-a': 'b' });
      } finally {
        await nc.close();
      }
    });
  });
});
