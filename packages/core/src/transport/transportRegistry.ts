import { HopbusError } from '../errors/HopbusError.js';
import { consoleLogger } from '../runtime/Logger.js';
import type { Transport } from './Transport.js';
import type { TransportContext, TransportFactory } from './TransportFactory.js';

/**
 * The registry lives on a `Symbol.for` slot of globalThis, not in this module: every copy of
 * @hopbus/core loaded in a process (two installed versions, or an ESM and a CommonJS copy under
 * a TypeScript runner) finds the same one there, so a scheme that a transport package registers
 * through its copy resolves through any other. `v1` is the version of the factory contract: a
 * copy with another contract keeps a registry of its own.
 */
const registrySlot: unique symbol = Symbol.for('hopbus.transportRegistry.v1');

interface RegistryGlobal {
  [registrySlot]?: Map<string, TransportFactory>;
}

function factories(): Map<string, TransportFactory> {
  const global = globalThis as RegistryGlobal;
  return (global[registrySlot] ??= new Map());
}

/** The packages that register a scheme when imported; core loads them on demand. */
const schemePackages: Readonly<Record<string, string>> = {
  log: '@hopbus/log',
  nats: '@hopbus/nats',
  tls: '@hopbus/nats',
};

/** Registers a URL scheme (without the colon), for every copy of @hopbus/core in the process. A transport package calls this when imported. */
export function registerTransport(scheme: string, factory: TransportFactory): void {
  factories().set(scheme.toLowerCase(), factory);
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

function registeredSchemes(): string[] {
  return [...factories().keys()].sort();
}

/** `Registered: memory:.` */
function describeRegistered(): string {
  return `Registered: ${registeredSchemes().map((s) => `${s}:`).join(', ') || 'none'}.`;
}

/** `Registered: memory:. Loaded on demand: log: (@hopbus/log), nats:, tls: (@hopbus/nats).` */
function describeSchemes(): string {
  const registered = registeredSchemes();
  const onDemand = new Map<string, string[]>();
  for (const [scheme, packageName] of Object.entries(schemePackages)) {
    if (!registered.includes(scheme)) onDemand.set(packageName, [...(onDemand.get(packageName) ?? []), scheme]);
  }
  const loadable = [...onDemand].map(([packageName, schemes]) => `${schemes.map((s) => `${s}:`).join(', ')} (${packageName})`);
  return loadable.length ? `${describeRegistered()} Loaded on demand: ${loadable.join(', ')}.` : describeRegistered();
}

/**
 * Resolves a transport URL through the registry. A scheme whose package is not loaded yet is
 * imported on demand; an unknown scheme names the package to install. The factory gets
 * `context`, the default filled in for what is left out (the logger: warnings and errors to stderr).
 */
export async function resolveTransport(url: string, context: Partial<TransportContext> = {}): Promise<Transport> {
  const scheme = schemeOf(url);
  let factory = factories().get(scheme);
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
    factory = factories().get(scheme);
    if (!factory) {
      throw new HopbusError(
        'config',
        `${packageName} was loaded but registered no transport for '${scheme}:' with this copy of @hopbus/core: it uses another, incompatible copy. Run \`npm ls @hopbus/core\` and install one version for every @hopbus package. ${describeRegistered()}`,
      );
    }
  }
  if (!factory) {
    throw new HopbusError(
      'config',
      `No transport is registered for '${scheme}:'. ${describeSchemes()} A third-party transport must be imported before createBus().`,
    );
  }
  return factory(url, { logger: context.logger ?? consoleLogger });
}
