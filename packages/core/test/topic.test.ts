import { HopbusError, jsonCodec, rawCodec, safeJsonParse, topic } from '@hopbus/core';
import { z } from 'zod';

describe('topic names', () => {
  it.each(['orders', 'orders.placed', 'a-b_c.D9', 'x'.repeat(245)])('accepts %s', (name) => {
    expect(topic(name).name).toBe(name);
  });

  it('accepts 249 characters, and says so when the default dead-letter name would be too long', () => {
    expect(topic('x'.repeat(249), { deadLetter: 'x.dlq' }).name).toHaveLength(249);
    expect(() => topic('x'.repeat(249))).toThrow(/dead-letter topic .* deadLetter option/);
  });

  it.each([
    ['', 'empty'],
    ['x'.repeat(250), 'longer than 249'],
    ['$sys.x', "starts with '$'"],
    ['a..b', "'..'"],
    ['.a', 'empty segment'],
    ['a.', 'empty segment'],
    ['a/b', "'/'"],
    ['a\\b', "'/' or '\\'"],
    ['a.*', 'wildcard'],
    ['a.>', 'wildcard'],
    ['a b', 'whitespace'],
    ['a\u0000b', 'NUL'],
    ['é', 'segment'],
  ])('refuses %j with code invalid_topic naming the rule (%s)', (name, rule) => {
    let error: unknown;
    try {
      topic(name);
    } catch (e) {
      error = e;
    }
    expect(HopbusError.hasCode(error, 'invalid_topic')).toBe(true);
    expect((error as Error).message).toContain(rule);
  });

  it('names the dead-letter topic after the topic unless told', () => {
    expect(topic('orders.placed').deadLetter).toBe('orders.placed.dlq');
    expect(topic('orders.placed', { deadLetter: 'poison' }).deadLetter).toBe('poison');
  });
});

describe('codecs', () => {
  it('round-trips JSON', () => {
    const codec = jsonCodec<{ a: number; s: string }>();
    expect(codec.decode(codec.encode({ a: 1, s: 'é🚀' }))).toEqual({ a: 1, s: 'é🚀' });
  });

  it('refuses a payload with no JSON form', () => {
    expect(() => jsonCodec<unknown>().encode(undefined)).toThrow(/no JSON form/);
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(() => jsonCodec<unknown>().decode(new Uint8Array([0xff, 0xfe]))).toThrow(/not valid UTF-8/);
    // A lone surrogate encoded as bytes, inside otherwise valid JSON, is refused too.
    expect(() => jsonCodec<unknown>().decode(new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22]))).toThrow(/not valid UTF-8/);
  });

  it('decodes a view into a larger buffer, and refuses a byte-order mark as JSON does', () => {
    const bytes = Buffer.from('xx{"a":1}yy');
    expect(jsonCodec<unknown>().decode(bytes.subarray(2, 9))).toEqual({ a: 1 });
    expect(() => jsonCodec<unknown>().decode(Buffer.from('\uFEFF{"a":1}'))).toThrow(SyntaxError);
  });

  it('passes raw bytes through', () => {
    const bytes = new Uint8Array([0, 1, 255]);
    expect(rawCodec().decode(rawCodec().encode(bytes))).toBe(bytes);
  });

  it('drops __proto__ and constructor keys so nothing can pollute a prototype', () => {
    const parsed = safeJsonParse('{"a":1,"__proto__":{"polluted":true},"nested":{"constructor":{"prototype":{"x":1}}}}') as Record<string, unknown>;
    expect(parsed['a']).toBe(1);
    expect(Object.prototype.hasOwnProperty.call(parsed, '__proto__')).toBe(false);
    expect(Object.assign({}, parsed)).not.toHaveProperty('polluted');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(parsed['nested']).toEqual({});
  });

  it('takes any Standard Schema, zod here', () => {
    const t = topic('orders.placed', { schema: z.object({ orderId: z.string() }) });
    expect(t.schema).toBeDefined();
  });
});
