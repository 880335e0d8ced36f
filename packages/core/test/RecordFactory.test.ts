import { z } from 'zod';
import { HopbusError } from '../src/errors/HopbusError.js';
import { RecordFactory } from '../src/runtime/RecordFactory.js';
import { topic } from '../src/topic/Topic.js';
import type { Codec } from '../src/topic/Codec.js';
import type { Topic } from '../src/topic/Topic.js';
import type { Cause } from '../src/runtime/currentCause.js';
import type { PublishOptions } from '../src/runtime/Publisher.js';
import type { OutgoingRecord } from '../src/transport/Transport.js';

// RecordFactory makes what a transport stores: a wrong id, key, header or size check here is
// stored for good.

const cause = { id: 'cause-id', correlationId: 'corr-id' };
const text = (record: OutgoingRecord | Error): string => (record instanceof Error ? `error: ${record.message}` : Buffer.from(record.data).toString());

/** The record of one message made as a gathering makes it (validated already); throws its error. */
function one<T>(factory: RecordFactory, to: Topic<T>, payload: T, options: PublishOptions | undefined, cause: Cause | undefined, timestamp: number): OutgoingRecord {
  const [made] = factory.createEach(to as Topic<unknown>, [{ payload, options, cause }], timestamp);
  if (made instanceof Error) throw made;
  return made!;
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HopbusError);
    return `${(error as HopbusError).code}: ${(error as Error).message}`;
  }
  return 'accepted';
}

describe('RecordFactory', () => {
  const plain = topic<{ n: number }>('factory.t');
  const factory = new RecordFactory(19);

  it('stamps id, topic, key, time and durability, and shares one frozen empty header set', () => {
    const a = one(factory, plain, { n: 1 }, undefined, undefined, 1234);
    const b = one(factory, plain, { n: 2 }, { key: 'k' }, undefined, 1234);
    expect(a).toEqual({ id: a.id, topic: 'factory.t', key: undefined, headers: {}, data: Buffer.from('{"n":1}'), timestamp: 1234, durable: true });
    expect(b.key).toBe('k');
    expect(a.id).not.toBe(b.id);
    expect(a.headers).toBe(b.headers);
    expect(Object.isFrozen(a.headers)).toBe(true);
    const quiet = topic('factory.quiet', { durable: false });
    expect(one(factory, quiet, 1, { id: 'mine' }, undefined, 5)).toMatchObject({ id: 'mine', durable: false, timestamp: 5 });
  });

  it('lower-cases header names, adds correlation and causation, and refuses a value that is not a string', () => {
    const record = one(factory, plain, { n: 1 }, { headers: { 'X-Trace': 'v', b: '' } }, cause, 1);
    expect(record.headers).toEqual({ 'x-trace': 'v', b: '', 'hopbus-correlation-id': 'corr-id', 'hopbus-causation-id': 'cause-id' });
    expect(one(factory, plain, { n: 1 }, undefined, cause, 1).headers).toEqual({ 'hopbus-correlation-id': 'corr-id', 'hopbus-causation-id': 'cause-id' });
    expect(one(factory, plain, { n: 1 }, { headers: { a: '1' } }, undefined, 1).headers).toEqual({ a: '1' });
    const bad = { headers: { n: 5 } } as unknown as { headers: Record<string, string> };
    expect(codeOf(() => one(factory, plain, { n: 1 }, bad, undefined, 1))).toBe('config: Header "n" must be a string.');
  });

  it('takes a message of exactly the limit and refuses one byte more, saying what to do', () => {
    expect(codeOf(() => one(factory, plain, { n: 1234567890123 }, undefined, undefined, 1))).toBe('accepted'); // {"n":1234567890123} is 19 bytes
    expect(codeOf(() => one(factory, plain, { n: 12345678901234 }, undefined, undefined, 1))).toBe(
      'message_too_large: A message for factory.t is 20 bytes, over the limit of 19. Send a reference to the data instead, or raise maxMessageBytes in createBus().',
    );
  });

  it('says which topic a payload could not be encoded for', () => {
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    expect(codeOf(() => one(factory, topic<unknown>('factory.cyclic'), cyclic, undefined, undefined, 1))).toMatch(/^decode: A message for factory\.cyclic could not be encoded: [\s\S]+\.$/);
    expect(() => one(factory, topic<unknown>('factory.cyclic'), cyclic, undefined, undefined, 1)).toThrow(expect.objectContaining({ cause: expect.any(TypeError) }));
  });

  it('makes each record of a gathering alone: one that fails does not fail the others, each with its own cause', () => {
    const made = factory.createEach(
      plain,
      [
        { payload: { n: 1 }, cause },
        { payload: { n: 12345678901234 }, cause: undefined },
        { payload: { n: 3 }, options: { key: 'k3' }, cause: { id: 'other', correlationId: 'c2' } },
      ],
      77,
    );
    expect(made.map(text)).toEqual(['{"n":1}', 'error: A message for factory.t is 20 bytes, over the limit of 19. Send a reference to the data instead, or raise maxMessageBytes in createBus().', '{"n":3}']);
    const [first, , third] = made as OutgoingRecord[];
    expect(first!.headers['hopbus-causation-id']).toBe('cause-id');
    expect(third!.headers).toEqual({ 'hopbus-correlation-id': 'c2', 'hopbus-causation-id': 'other' });
    expect(third!.key).toBe('k3');
    expect(first!.timestamp).toBe(77);
  });

  it('encodes many payloads together when the codec can, and checks the size of each', () => {
    const calls: string[] = [];
    const codec: Codec<number> = {
      contentType: 'text/plain',
      encode: (value) => {
        calls.push(`one ${value}`);
        return Buffer.from(String(value));
      },
      encodeAll: (values) => {
        calls.push(`all ${values.length}`);
        return values.map((v) => Buffer.from(`#${v}`));
      },
      decode: (bytes) => Number(Buffer.from(bytes).toString()),
    };
    const counted = topic('factory.codec', { codec });
    const small = new RecordFactory(3);
    expect(small.createEach(counted, [{ payload: 1, cause: undefined }], 1).map(text)).toEqual(['1']);
    expect(small.createEach(counted, [1, 22, 333].map((payload) => ({ payload, cause: undefined })), 1).map(text)).toEqual(['#1', '#22', 'error: A message for factory.codec is 4 bytes, over the limit of 3. Send a reference to the data instead, or raise maxMessageBytes in createBus().']);
    expect(calls).toEqual(['one 1', 'all 3']);
  });

  it('encodes one by one with a codec that cannot encode many together', () => {
    const codec: Codec<number> = { contentType: 'text/plain', encode: (value) => Buffer.from(`n${value}`), decode: (bytes) => Number(Buffer.from(bytes).toString().slice(1)) };
    const single = topic('factory.single', { codec });
    expect(factory.createEach(single, [1, 2, 3].map((payload) => ({ payload, cause: undefined })), 1).map(text)).toEqual(['n1', 'n2', 'n3']);
  });

  it('refuses a whole batch on its first bad message, and validates in order', async () => {
    const all = factory.createAll(plain, [{ payload: { n: 1 } }, { payload: { n: 2 }, options: { key: 'b' } }], cause, 9) as OutgoingRecord[];
    expect(all.map((r) => [text(r), r.key, r.timestamp, r.headers['hopbus-correlation-id']])).toEqual([['{"n":1}', undefined, 9, 'corr-id'], ['{"n":2}', 'b', 9, 'corr-id']]);
    expect(codeOf(() => factory.createAll(plain, [{ payload: { n: 1 } }, { payload: { n: 12345678901234 } }], undefined, 1))).toMatch(/^message_too_large: /);

    const seen: number[] = [];
    const slow = topic('factory.async', {
      schema: {
        '~standard': {
          version: 1,
          vendor: 'test',
          validate: async (value: unknown) => {
            seen.push((value as { n: number }).n);
            return (value as { n: number }).n < 0 ? { issues: [{ message: 'negative' }] } : { value: value as { n: number } };
          },
        },
      },
    });
    const made = await factory.createAll(slow, [{ payload: { n: 1 } }, { payload: { n: 2 } }, { payload: { n: 3 } }], undefined, 1);
    expect(made.map(text)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    expect(seen).toEqual([1, 2, 3]);
    await expect(factory.createAll(slow, [{ payload: { n: 1 } }, { payload: { n: -1 } }], undefined, 1)).rejects.toMatchObject({ code: 'schema' });
  });

  it('checks a payload against the schema, synchronous schemas included', () => {
    const strict = topic('factory.zod', { schema: z.object({ n: z.number() }) });
    expect(codeOf(() => factory.createAll(strict, [{ payload: { n: 'x' } as unknown as { n: number } }], undefined, 1))).toMatch(/^schema: /);
    expect(codeOf(() => factory.createAll(strict, [{ payload: { n: 1 } }, { payload: { n: 'x' } as unknown as { n: number } }], undefined, 1))).toMatch(/^schema: /);
  });
});
