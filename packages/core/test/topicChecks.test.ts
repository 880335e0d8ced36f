import { createBus, HopbusError, MemoryTransport, safeJsonParse, silentLogger, topic } from '@hopbus/core';
import type { Topic } from '@hopbus/core';

describe('what is not a topic', () => {
  async function publishError(value: unknown): Promise<HopbusError> {
    const bus = await createBus({ transport: new MemoryTransport(), logger: silentLogger });
    try {
      return (await bus.publish(value as Topic<unknown>, {}).catch((e: unknown) => e)) as HopbusError;
    } finally {
      await bus.stop();
    }
  }

  it("names the string it was given and shows how to declare the topic", async () => {
    const error = await publishError('orders.placed');
    expect(HopbusError.hasCode(error, 'invalid_topic')).toBe(true);
    expect(error.message).toBe(
      'bus.publish takes a topic made with topic(), got the string "orders.placed". Declare it once and share it: const t = topic("orders.placed"); then bus.publish(t, ...).',
    );
  });

  it('cuts a long string to 60 characters in both places', async () => {
    const long = 'a'.repeat(70);
    const error = await publishError(long);
    expect(error.message).toBe(`bus.publish takes a topic made with topic(), got the string "${'a'.repeat(60)}". Declare it once and share it: const t = topic("${'a'.repeat(60)}"); then bus.publish(t, ...).`);
  });

  it.each([
    [null, 'null'],
    [42, 'number'],
    [{ name: 'orders.placed' }, 'object'],
  ])('refuses %p, naming it as %s', async (value, shown) => {
    const error = await publishError(value);
    expect(HopbusError.hasCode(error, 'invalid_topic')).toBe(true);
    expect(error.message).toBe(`bus.publish takes a topic made with topic(), got ${shown}. Declare it once and share it: const t = topic("orders.placed"); then bus.publish(t, ...).`);
  });
});

describe('topic()', () => {
  it('is durable unless told otherwise', () => {
    expect(topic('checks.durable').durable).toBe(true);
    expect(topic('checks.fleeting', { durable: false }).durable).toBe(false);
  });

  it('says when the dead-letter name it would make is not valid, with the rule as the cause', () => {
    const name = 'n'.repeat(247);
    let error: unknown;
    try {
      topic(name);
    } catch (e) {
      error = e;
    }
    expect(HopbusError.hasCode(error, 'invalid_topic')).toBe(true);
    expect((error as Error).message).toMatch(new RegExp(`^The dead-letter topic of "${'n'.repeat(60)}" is not valid \\(Topic name "${'n'.repeat(60)}…" is not valid: it is longer than 249 characters\\..*\\) Give the topic a shorter name or a deadLetter option\\.$`));
    expect(HopbusError.hasCode((error as Error).cause, 'invalid_topic')).toBe(true);
    expect(topic(name, { deadLetter: 'checks.dead' }).deadLetter).toBe('checks.dead');
  });

  it.each([
    ['$sys.x', "it starts with '$', which is reserved for the system"],
    ['a\u0000b', 'it contains a NUL character'],
  ])('names the rule a name breaks (%#)', (name, rule) => {
    expect(() => topic(name)).toThrow(`is not valid: ${rule}.`);
  });
});

describe('safeJsonParse, at the edges', () => {
  it('drops a dangerous key inside an object inside an array', () => {
    const value = safeJsonParse('[{"__proto__":{"polluted":true},"kept":1},[{"constructor":{"x":1}}]]') as [Record<string, unknown>, Record<string, unknown>[]];
    expect(Object.hasOwn(value[0], '__proto__')).toBe(false);
    expect(value[0]).toEqual({ kept: 1 });
    expect(Object.hasOwn(value[1][0]!, 'constructor')).toBe(false);
  });

  it('keeps null values while it checks a text with an escape', () => {
    expect(safeJsonParse('{"a":null,"b":"\\u0041","c":[null,1]}')).toEqual({ a: null, b: 'A', c: [null, 1] });
    expect(safeJsonParse('null')).toBeNull();
    expect(safeJsonParse('"\\u005f_proto__"')).toBe('__proto__');
  });
});
