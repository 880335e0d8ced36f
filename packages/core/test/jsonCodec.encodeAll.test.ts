import 'reflect-metadata';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { createBus, HopbusError, jsonCodec, MemoryTransport, silentLogger, topic } from '@hopbus/core';

const codec = jsonCodec<unknown>();
const oneByOne = (payloads: readonly unknown[]): string[] => payloads.map((p) => Buffer.from(codec.encode(p)).toString('hex'));
const together = (payloads: readonly unknown[]): string[] | undefined => codec.encodeAll!(payloads)?.map((b) => Buffer.from(b).toString('hex'));

/** Strings with what the splitter must see through: quotes, backslashes, brackets, commas, control characters. */
const asciiUnits = ['"', '\\', ',', '[', ']', '{', '}', ':', '\n', '\u0000', 'a'];
/** JSON values whose strings are made of `units`. */
function jsonValues(units: readonly string[]): fc.Arbitrary<unknown> {
  const text = fc.string({ unit: fc.constantFrom(...units) });
  return fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constant(null),
      fc.boolean(),
      fc.double(),
      fc.integer(),
      text,
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(text, tie('value'), { maxKeys: 4 }),
    ),
  })).value;
}

describe('jsonCodec().encodeAll', () => {
  it.each([
    ['ASCII', asciiUnits],
    ['other characters too', [...asciiUnits, 'é', '€', '😀', '\ud800']],
  ])('makes the same bytes as encode() of each payload, in %s', (_, units) => {
    fc.assert(
      fc.property(fc.array(jsonValues(units), { maxLength: 20 }), (payloads) => {
        expect(together(payloads)).toEqual(oneByOne(payloads));
      }),
      { numRuns: 500 },
    );
  });

  it('gives each payload a view of its own bytes', () => {
    const parts = codec.encodeAll!([{ a: 'x,y' }, [1, [2]], 'z"', 3])!;
    expect(parts.map((p) => Buffer.from(p).toString())).toEqual(['{"a":"x,y"}', '[1,[2]]', '"z\\""', '3']);
    expect(codec.encodeAll!([])).toEqual([]);
  });

  it('declines what it cannot encode together, so that encode() of each says which one is at fault', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const declined: unknown[] = [undefined, () => 1, Symbol('s'), new Date(0), { toJSON: () => 'x' }, cyclic, 10n];
    for (const payload of declined) expect(codec.encodeAll!([{ ok: 1 }, payload])).toBeUndefined();
  });
});

describe('publishBatch encodes the batch together', () => {
  const quiet = { logger: silentLogger, env: {} };

  it('publishes each message with its own bytes, as publish() would', async () => {
    const Notes = topic<unknown>('batch.notes');
    const transport = new MemoryTransport();
    const bus = await createBus({ transport, ...quiet });
    const subscription = await transport.subscribe('batch.notes', { group: 'g', start: 'earliest', maxInFlight: 100, ackTimeoutMs: 30_000 });
    const payloads = [{ n: 1, text: 'a,b' }, 'x', [1, { y: '}' }], new Date(5), null];
    await bus.publishBatch(Notes, payloads.map((payload) => ({ payload })));
    const seen: string[] = [];
    for (let d = subscription.poll!(); d; d = subscription.poll!()) {
      seen.push(Buffer.from(d.data).toString());
      d.ack();
    }
    expect(seen).toEqual(payloads.map((p) => JSON.stringify(p)));
    await bus.stop();
  });

  it('publishes nothing when one message cannot be encoded or is too large, and says which rule it broke', async () => {
    const Notes = topic<unknown>('batch.bad');
    const transport = new MemoryTransport();
    const bus = await createBus({ transport, maxMessageBytes: 64, ...quiet });
    const subscription = await transport.subscribe('batch.bad', { group: 'g', start: 'earliest', maxInFlight: 100, ackTimeoutMs: 30_000 });
    const bigint = bus.publishBatch(Notes, [{ payload: { n: 1 } }, { payload: { n: 2n } }]);
    await expect(bigint).rejects.toThrow(HopbusError);
    await expect(bigint).rejects.toMatchObject({ code: 'decode', message: expect.stringContaining('batch.bad') });
    const large = bus.publishBatch(Notes, [{ payload: { n: 1 } }, { payload: { text: 'x'.repeat(100) } }]);
    await expect(large).rejects.toMatchObject({ code: 'message_too_large' });
    expect(subscription.poll!()).toBeUndefined();
    await bus.stop();
  });
});
