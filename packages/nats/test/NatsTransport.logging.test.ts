import { createBus } from '@hopbus/core';
import type { Logger } from '@hopbus/core';
import { NatsServer } from '@hopbus/testing';
import { waitFor } from '../../core/test/waitFor.js';
import '../src/index.js';

type Level = keyof Logger;

/** A Logger that keeps every line with its level. */
function capturingLogger(): { logger: Logger; lines: { level: Level; message: string }[] } {
  const lines: { level: Level; message: string }[] = [];
  const at = (level: Level) => (message: string) => void lines.push({ level, message });
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

describe('NatsTransport connection status in the log', () => {
  let server: NatsServer;
  beforeAll(async () => (server = await NatsServer.start()));
  afterAll(async () => server.dispose());

  it('goes to the logger given to createBus with a nats:// URL: the disconnect, the attempts and the reconnect', async () => {
    const { logger, lines } = capturingLogger();
    const has = (level: Level, pattern: RegExp) => () => lines.some((l) => l.level === level && pattern.test(l.message));
    const bus = await createBus({ transport: `${server.url}?reconnectWaitMs=100&reconnectJitterMs=50`, logger, env: {} });
    try {
      await bus.start();
      await server.kill();
      await waitFor('the disconnect, as a warning', has('warn', /disconnected from 127\.0\.0\.1:\d+; reconnecting/), 20_000);
      await waitFor('a reconnect attempt, at debug', has('debug', /reconnecting/), 20_000);
      await server.restart();
      await waitFor('the reconnect, as a warning', has('warn', /reconnected to 127\.0\.0\.1:\d+ after \d+(\.\d)? s disconnected/), 20_000);
    } finally {
      await bus.stop();
      if (!server.running) await server.restart();
    }
    // A stop the bus asked for is not a lost connection.
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  }, 60_000);

  it('says, as an error, when the connection closes for good after its reconnect attempts are used up', async () => {
    const own = await NatsServer.start();
    const { logger, lines } = capturingLogger();
    const bus = await createBus({ transport: `${own.url}?maxReconnectAttempts=2&reconnectWaitMs=50&reconnectJitterMs=10`, logger, env: {} });
    try {
      await bus.start();
      await own.kill();
      await waitFor('the error', () => lines.some((l) => l.level === 'error'), 20_000);
      expect(lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([expect.stringMatching(/closed for good after 2 reconnect attempts \(maxReconnectAttempts\)/)]);
    } finally {
      await bus.stop();
      await own.dispose();
    }
  }, 60_000);

  it('shows both the disconnect and the reconnect with the default logger, which prints warnings and errors', async () => {
    const printed: string[] = [];
    const warn = jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')));
    const bus = await createBus({ transport: `${server.url}?reconnectWaitMs=100&reconnectJitterMs=50`, env: {} });
    try {
      await bus.start();
      await server.kill();
      await waitFor('the disconnect on stderr', () => printed.some((line) => /disconnected from/.test(line)), 20_000);
      await server.restart();
      await waitFor('the reconnect on stderr', () => printed.some((line) => /reconnected to/.test(line)), 20_000);
    } finally {
      await bus.stop();
      warn.mockRestore();
      if (!server.running) await server.restart();
    }
  }, 60_000);
});
