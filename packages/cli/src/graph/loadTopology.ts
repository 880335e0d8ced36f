import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createBus, HopbusError } from '@hopbus/core';
import type { ServiceClass, Topology } from '@hopbus/core';

interface HasTopology {
  topology(): Topology;
}

const convention =
  'export the actor classes as `export const services = [OrderService, ...]` (or `export default [...]`), or export a bus made by createBus() as `bus` or default';

/**
 * The topology declared by the module at `entry` (a built JS file), read without starting
 * anything. The module's exports are looked at in this order:
 * 1. `services`: an array of actor classes;
 * 2. `bus`, then `default`: a Bus (anything with a `topology()` method), or a promise of one;
 * 3. `default`: an array of actor classes.
 * Importing the module runs its top level: it should declare, not start, the system.
 */
export async function loadTopology(entry: string): Promise<Topology> {
  const path = resolve(entry);
  if (!existsSync(path)) throw new HopbusError('not_found', `There is no module at ${path}: give the path of a built JS file that exports its actors or its bus.`);
  let exported: Record<string, unknown>;
  try {
    // A plain absolute path on POSIX (import() takes it, and so does a CommonJS test runner); a file URL on Windows.
    exported = (await import(process.platform === 'win32' ? pathToFileURL(path).href : path)) as Record<string, unknown>;
  } catch (cause) {
    throw new HopbusError('config', `Could not import ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  if (exported['services'] !== undefined) return topologyOfServices(exported['services'], `${path} (export services)`);
  for (const name of ['bus', 'default']) {
    const value = await exported[name];
    if (isBus(value)) return value.topology();
  }
  if (Array.isArray(exported['default'])) return topologyOfServices(exported['default'], `${path} (export default)`);
  throw new HopbusError('config', `${path} exports no services, bus or default: ${convention}.`);
}

function isBus(value: unknown): value is HasTopology {
  return typeof value === 'object' && value !== null && typeof (value as Partial<HasTopology>).topology === 'function';
}

async function topologyOfServices(value: unknown, where: string): Promise<Topology> {
  if (!Array.isArray(value) || !value.every((s) => typeof s === 'function')) {
    throw new HopbusError('config', `${where} is not an array of actor classes: ${convention}.`);
  }
  const bus = await createBus({ transport: 'memory:', services: value as ServiceClass[], env: {} });
  return bus.topology();
}
