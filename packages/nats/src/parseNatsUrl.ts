import { HopbusError } from '@hopbus/core';
import type { NatsTransportOptions } from './NatsTransportOptions.js';

const numeric = ['connectTimeoutMs', 'maxReconnectAttempts', 'reconnectWaitMs', 'reconnectJitterMs', 'maxPendingAcks', 'publishTimeoutMs'] as const;

function number(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value)) throw new HopbusError('config', `NATS URL option ${name}=${JSON.stringify(text)} is not a number.`);
  return value;
}

/**
 * Options from a transport URL: `nats://user:pass@a:4222,b:4222?token=...&tls_ca=...`.
 * Hosts are comma-separated, at least one (a URL without a host fails with code `config`); credentials in the authority apply to all (a lone name is a
 * token). Query: token, user, password, nkey_seed, creds (file), tls_ca, tls_cert, tls_key,
 * name, replicas, max_age_ms, max_bytes, manage_streams, non_durable (comma-separated topics),
 * and the numeric options by their option name (connectTimeoutMs, ...). `tls://` means TLS.
 */
export function parseNatsUrl(url: string): NatsTransportOptions {
  const match = /^(nats|tls):\/\/(?:([^@/?]*)@)?([^/?#]*)\/?(?:\?([^#]*))?$/i.exec(url.trim());
  if (!match) {
    throw new HopbusError('config', `NATS URL ${JSON.stringify(url)} is not valid. Use nats://host:4222 or nats://user:pass@a:4222,b:4222?tls_ca=/path/ca.pem`);
  }
  const scheme = match[1]!.toLowerCase();
  const hosts = match[3]!.split(',').map((h) => h.trim()).filter(Boolean);
  if (hosts.length === 0) {
    throw new HopbusError(
      'config',
      `NATS URL ${JSON.stringify(url)} names no server. Give at least one host and port: nats://127.0.0.1:4222, or several comma-separated: nats://user:pass@a:4222,b:4222`,
    );
  }
  const servers = hosts.map((h) => `${scheme}://${h}`);
  const options: Record<string, unknown> = { servers };
  const userinfo = match[2];
  if (userinfo) {
    const colon = userinfo.indexOf(':');
    if (colon < 0) options.token = decodeURIComponent(userinfo);
    else {
      options.user = decodeURIComponent(userinfo.slice(0, colon));
      options.password = decodeURIComponent(userinfo.slice(colon + 1));
    }
  }
  const query = new URLSearchParams(match[4] ?? '');
  const tls: Record<string, string> = {};
  const stream: Record<string, number> = {};
  for (const [name, value] of query) {
    switch (name) {
      case 'token': options.token = value; break;
      case 'user': options.user = value; break;
      case 'password': case 'pass': options.password = value; break;
      case 'nkey_seed': case 'nkey': options.nkeySeed = value; break;
      case 'creds': case 'credentials': options.credentialsFile = value; break;
      case 'name': options.name = value; break;
      case 'tls_ca': tls.caFile = value; break;
      case 'tls_cert': tls.certFile = value; break;
      case 'tls_key': tls.keyFile = value; break;
      case 'replicas': stream.replicas = number(name, value); break;
      case 'max_age_ms': stream.maxAgeMs = number(name, value); break;
      case 'max_bytes': stream.maxBytes = number(name, value); break;
      case 'manage_streams': options.manageStreams = value !== 'false' && value !== '0'; break;
      case 'non_durable': options.nonDurableTopics = value.split(',').filter(Boolean); break;
      default:
        if ((numeric as readonly string[]).includes(name)) options[name] = number(name, value);
        else throw new HopbusError('config', `NATS URL option ${JSON.stringify(name)} is unknown. Known: token, user, password, nkey_seed, creds, tls_ca, tls_cert, tls_key, name, replicas, max_age_ms, max_bytes, manage_streams, non_durable, ${numeric.join(', ')}.`);
    }
  }
  if (Object.keys(tls).length) options.tls = tls;
  if (Object.keys(stream).length) options.stream = stream;
  return options as NatsTransportOptions;
}
