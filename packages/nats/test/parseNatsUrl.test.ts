import { HopbusError } from '@hopbus/core';
import { parseNatsUrl } from '../src/index.js';

function refusal(url: string): HopbusError {
  try {
    parseNatsUrl(url);
  } catch (error) {
    if (HopbusError.is(error)) return error;
    throw error;
  }
  throw new Error(`parseNatsUrl(${JSON.stringify(url)}) was accepted`);
}

describe('parseNatsUrl', () => {
  it('reads hosts, credentials and options', () => {
    expect(parseNatsUrl('nats://hop:s3cret@a:4222,b:4223?replicas=3&connectTimeoutMs=900')).toEqual({
      servers: ['nats://a:4222', 'nats://b:4223'],
      user: 'hop',
      password: 's3cret',
      connectTimeoutMs: 900,
      stream: { replicas: 3 },
    });
    expect(parseNatsUrl('tls://t0ken@h:4443')).toEqual({ servers: ['tls://h:4443'], token: 't0ken' });
  });

  it.each(['nats://', 'nats:///', 'NATS://', 'tls://', 'nats://hop:s3cret@', 'nats://?token=t', 'nats://,', 'nats:// , '])(
    'refuses %j, which names no server, with a config error that shows a NATS URL',
    (url) => {
      const error = refusal(url);
      expect(error.code).toBe('config');
      expect(error.message).toContain('names no server');
      expect(error.message).toContain('nats://127.0.0.1:4222');
    },
  );
});
