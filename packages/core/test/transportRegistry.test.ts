import { consoleLogger, createBus, HopbusError, MemoryTransport, registerTransport, resolveTransport, silentLogger } from '@hopbus/core';
import type { TransportContext } from '@hopbus/core';

async function refusal(url: string): Promise<HopbusError> {
  const error = await resolveTransport(url).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!HopbusError.is(error)) throw new Error(`resolveTransport(${JSON.stringify(url)}) did not fail with a HopbusError: ${String(error)}`);
  return error;
}

describe('the transport registry', () => {
  afterEach(() => jest.dontMock('@hopbus/log'));

  it('resolves a registered scheme, in any case', async () => {
    const made = new MemoryTransport();
    registerTransport('Registry-Test', () => made);
    await expect(resolveTransport('registry-test:x')).resolves.toBe(made);
    await expect(resolveTransport('REGISTRY-TEST:x')).resolves.toBe(made);
  });

  it("hands the factory a context with the bus's logger, or the default one", async () => {
    const contexts: TransportContext[] = [];
    registerTransport('context-test', (_url, context) => {
      contexts.push(context);
      return new MemoryTransport();
    });
    const logger = { ...silentLogger };
    await createBus({ transport: 'context-test:', logger, env: {} });
    await createBus({ transport: 'context-test:', env: {} });
    await resolveTransport('context-test:');
    expect(contexts.map((c) => c.logger)).toEqual([logger, consoleLogger, consoleLogger]);
    expect(contexts[0]!.logger).toBe(logger);
  });

  it('says which package loaded without registering its scheme, and does not list that scheme as registered', async () => {
    // What a second, incompatible copy of @hopbus/core looks like from here: the package loads
    // fine, but registers its scheme elsewhere.
    jest.doMock('@hopbus/log', () => ({}));
    const error = await refusal('log:./data');
    expect(error.code).toBe('config');
    expect(error.message).toContain("@hopbus/log was loaded but registered no transport for 'log:'");
    expect(error.message).toContain('npm ls @hopbus/core');
    expect(error.message.match(/\blog:/g)).toEqual(['log:']);
    expect(error.message).toMatch(/Registered: [^.]*\bmemory:/);
  });

  it('names the registered schemes and those loaded on demand apart for an unknown scheme', async () => {
    const error = await refusal('redis://127.0.0.1:6379');
    expect(error.code).toBe('config');
    expect(error.message).toContain("No transport is registered for 'redis:'");
    expect(error.message).toMatch(/Registered: [^.]*\bmemory:/);
    expect(error.message).toContain('log: (@hopbus/log)');
    expect(error.message).toContain('nats:, tls: (@hopbus/nats)');
  });

  it('refuses a text that is not a URL', async () => {
    const error = await refusal('./data');
    expect(error.code).toBe('config');
    expect(error.message).toContain("Use 'memory:', 'log:<dir>' or 'nats://host:4222'");
  });
});
