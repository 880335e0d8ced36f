import { readFileSync } from 'node:fs';
import { HopbusError } from '@hopbus/core';
import { connect, credsAuthenticator, errors, nkeyAuthenticator } from '@nats-io/transport-node';
import type { Authenticator, NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import type { NatsTransportOptions } from './NatsTransportOptions.js';

function isAuthError(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof errors.AuthorizationError || /authoriz|authenticat/i.test(e.message)) return true;
  }
  return false;
}

/** `host:port` of each server; absent `servers` is 127.0.0.1:4222, an explicit list that names none fails with `config`. */
function serverAddresses(options: NatsTransportOptions): string[] {
  const listed = options.servers ?? ['127.0.0.1:4222'];
  const addresses = listed.flatMap((s) => s.split(',')).map((s) => s.trim().replace(/^(nats|tls):\/\//i, '').replace(/\/$/, '')).filter(Boolean);
  if (addresses.length === 0) {
    throw new HopbusError('config', `The NATS servers ${JSON.stringify(listed)} name no server. Give at least one, such as servers: ['nats://127.0.0.1:4222'].`);
  }
  return addresses;
}

function connectionOptions(options: NatsTransportOptions, timeout: number): NodeConnectionOptions {
  const servers = serverAddresses(options);
  const wantsTls = (options.servers ?? []).some((s) => /^tls:\/\//i.test(s)) || options.tls !== undefined;
  const authenticators: Authenticator[] = [];
  if (options.nkeySeed) authenticators.push(nkeyAuthenticator(new TextEncoder().encode(options.nkeySeed)));
  if (options.credentialsFile) {
    const file = options.credentialsFile;
    let creds: Uint8Array;
    try {
      creds = readFileSync(file);
    } catch (cause) {
      throw new HopbusError('config', `Cannot read the NATS credentials file ${file}: check the path and its permissions.`, { cause });
    }
    authenticators.push(credsAuthenticator(creds));
  }
  return {
    servers,
    name: options.name ?? 'hopbus',
    timeout,
    reconnect: true,
    maxReconnectAttempts: options.maxReconnectAttempts ?? -1,
    reconnectTimeWait: options.reconnectWaitMs ?? 1000,
    reconnectJitter: options.reconnectJitterMs ?? 500,
    reconnectJitterTLS: options.reconnectJitterMs ?? 1000,
    waitOnFirstConnect: false,
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(options.user !== undefined ? { user: options.user, pass: options.password ?? '' } : {}),
    ...(authenticators.length ? { authenticator: authenticators } : {}),
    ...(wantsTls ? { tls: { ...options.tls } } : {}),
  };
}

/**
 * Opens the connection, trying again until `connectTimeoutMs` (default 5,000) has passed, since
 * a server may be starting alongside the service. Rejected credentials fail at once with
 * `auth_failed`; anything else, once the time is up, with `connect_failed`.
 */
export async function connectNats(options: NatsTransportOptions): Promise<NatsConnection> {
  const timeoutMs = options.connectTimeoutMs ?? 5000;
  const deadline = Date.now() + timeoutMs;
  const where = (options.servers ?? ['127.0.0.1:4222']).join(',');
  let last: unknown;
  for (;;) {
    const remaining = deadline - Date.now();
    try {
      return await connect(connectionOptions(options, Math.max(250, remaining)));
    } catch (error) {
      if (HopbusError.is(error)) throw error;
      if (isAuthError(error)) {
        throw new HopbusError(
          'auth_failed',
          `NATS at ${where} rejected the credentials (${(error as Error).message}). Check the user/password, token, NKey or credentials file.`,
          { cause: error },
        );
      }
      if (error instanceof TypeError || error instanceof errors.InvalidArgumentError) {
        throw new HopbusError('config', `NATS connection options are not valid (${error.message}): check the server list (${where}) and TLS files.`, { cause: error });
      }
      last = error;
    }
    if (Date.now() + 250 >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, deadline - Date.now())));
  }
  const reason = last instanceof Error ? last.message : String(last);
  throw new HopbusError(
    'connect_failed',
    `Cannot connect to NATS at ${where} within ${timeoutMs} ms (${reason}). Check that nats-server runs there and is reachable, or raise connectTimeoutMs.`,
    { cause: last },
  );
}
