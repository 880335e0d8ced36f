import { HopbusError } from '../errors/HopbusError.js';
import type { Transport } from './Transport.js';

/** Makes a transport from a URL such as `log:./data` or `nats://a:4222,b:4222`. */
export type TransportFactory = (url: URL | string) => Transport;

const factories = new Map<string, TransportFactory>();

/** The packages that register a scheme when imported; core loads them on demand. */
const schemePackages: Readonly<Record<string, string>> = {
  log: '@hopbus/log',
  nats: '@hopbus/nats',
  tls: '@hopbus/nats',
};

/** Registers a URL scheme (without the colon). A transport package calls this when imported. */
export function registerTransport(scheme: string, factory: TransportFactory): void {
  factories.set(scheme.toLowerCase(), factory);
}

function schemeOf(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  if (!match?.[1]) {
    throw new HopbusError(
      'config',
      `Transport ${JSON.stringify(url)} is not a URL. Use 'memory:', 'log:<dir>' or 'nats://host:4222'.`,
    );
  }
  return match[1].toLowerCase();
}

/**
 * Resolves a transport URL through the registry. A scheme whose package is not loaded yet is
 * imported on demand; an unknown scheme names the package to install.
 */
export async function resolveTransport(url: string): Promise<Transport> {
  const scheme = schemeOf(url);
  let factory = factories.get(scheme);
  const packageName = schemePackages[scheme];
  if (!factory && packageName) {
    try {
      await import(packageName);
    } catch (cause) {
      throw new HopbusError(
        'config',
        `Transport '${scheme}:' needs the package ${packageName}, which could not be loaded. Install it: npm install ${packageName}`,
        { cause },
      );
    }
    factory = factories.get(scheme);
  }
  if (!factory) {
    const known = [...new Set([...factories.keys(), ...Object.keys(schemePackages)])].sort().map((s) => `${s}:`);
    throw new HopbusError(
      'config',
      `No transport is registered for '${scheme}:'. Known schemes: ${known.join(', ')}. A third-party transport must be imported before createBus().`,
    );
  }
  return factory(url);
}
