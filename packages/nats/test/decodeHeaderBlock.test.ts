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

  describe('bytes the properties above do not make', () => {
    const block = (...lines: string[]) => utf8(`${['NATS/1.0', ...lines].join('\r\n')}\r\n\r\n`);

    it('reads names with the edge characters of plain ASCII (! and ~) itself, as the client reads them', () => {
      for (const name of ['x-!', '~x', '!~']) {
        const bytes = block(`${name}: v`);
        expect(fieldsOf(bytes)).toEqual(byClient(bytes));
        expect(fieldsOf(bytes)?.headers).toEqual({ [name]: 'v' });
      }
    });

    it('leaves a name with a space, a control character or a byte above ASCII to the client', () => {
      for (const name of ['x a', 'x\u0001', 'x\u007f', 'é']) expect(fieldsOf(block(`${name}: v`))).toBeUndefined();
    });

    it('leaves a lone CR or LF, in a name or a value, to the client, which refuses it: only CR LF ends a line', () => {
      for (const line of ['x-v: a\nb', 'x-v: a\rb', 'x-v: a\n\rb', 'x\nv: a', 'x\rv: a']) {
        const bytes = block(line, 'x-w: w');
        expect(fieldsOf(bytes)).toBeUndefined();
        expect(() => byClient(bytes)).toThrow();
      }
    });

    it('not strict, reads a block the client refuses as it is', () => {
      const bytes = Buffer.from(block('x a: b', 'naïve: oui', 'x-v: a\nb\rc', 'x-w: w'));
      expect(fieldsOfBlock(bytes, bytes.byteLength, false)?.headers).toEqual({ 'x a': 'b', naïve: 'oui', 'x-v': 'a\nb\rc', 'x-w': 'w' });
    });

    it('never throws where the client does: without the bytes, a refused block reads as no headers', () => {
      const refused = { get headers(): never { throw new Error('refused by the client'); }, subject: 's', data: new Uint8Array() } as unknown as Msg;
      expect(readHeaderFields(refused)).toEqual({ id: '', key: undefined, timestamp: 0, headers: {} });
    });

    it('takes a line that starts with its colon as an empty name, as the client does', () => {
      const bytes = block(':v', 'x-a: b');
      expect(fieldsOf(bytes)).toEqual(byClient(bytes));
    });

    it('reads nothing past the end of the block: the payload that follows is not a header', () => {
      const head = block('x-a: b');
      const withPayload = Buffer.concat([Buffer.from(head), Buffer.from('x-b: c\r\n{"n":1}\r\n')]);
      expect(fieldsOfBlock(withPayload, head.byteLength)).toEqual(byClient(head));
      expect(fieldsOfBlock(withPayload, head.byteLength)?.headers).toEqual({ 'x-a': 'b' });
      // A status line alone, with the payload right after it.
      const bare = utf8('NATS/1.0\r\n\r\n');
      expect(fieldsOfBlock(Buffer.concat([Buffer.from(bare), Buffer.from('x-b: c\r\n')]), bare.byteLength)?.headers).toEqual({});
    });
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
