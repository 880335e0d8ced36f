import type { Container } from 'inversify';
import { HopbusError } from '../errors/HopbusError.js';
import type { Transport } from '../transport/Transport.js';
import type { TracingOptions } from '../tracing/TracingOptions.js';
import { resolveTransport } from '../transport/transportRegistry.js';
import { Bus, newContainer } from './Bus.js';
import { consoleLogger } from './Logger.js';
import type { Logger } from './Logger.js';
import type { ServiceClass } from './resolveBindings.js';

export const defaultTransportUrl = 'log:./.hopbus';
export const defaultMaxMessageBytes = 1024 * 1024;

export interface BusOptions {
  /**
   * A transport, or its URL: `memory:`, `log:<dir>`, `nats://host:4222`. A URL given here is a
   * default: `HOPBUS_TRANSPORT` in the environment overrides it, so the same code runs on
   * another transport unchanged. A Transport instance is used as it is. Default `log:./.hopbus`.
   */
  readonly transport?: Transport | string;
  /** The actor classes to run. */
  readonly services?: readonly ServiceClass[];
  /** Resolves the actors and their constructor dependencies; the bus makes one when absent. */
  readonly container?: Container;
  /** Larger payloads are refused at publish with code `message_too_large` (default 1 MiB). */
  readonly maxMessageBytes?: number;
  /** Default: warnings and errors to stderr. A transport made from a URL logs here too. */
  readonly logger?: Logger;
  /** Read instead of process.env (for tests). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** OpenTelemetry spans per publish and per delivery, recorded once the app registers an SDK. */
  readonly tracing?: TracingOptions;
}

/** Makes a bus: resolves the transport; `bus.start()` then wires the actors. */
export async function createBus(options: BusOptions = {}): Promise<Bus> {
  const env = options.env ?? process.env;
  const configured = options.transport ?? defaultTransportUrl;
  const fromEnv = env['HOPBUS_TRANSPORT']?.trim();
  const logger = options.logger ?? consoleLogger;
  const transport = typeof configured === 'string' ? await resolveTransport(fromEnv || configured, { logger }) : configured;
  const maxMessageBytes = options.maxMessageBytes ?? defaultMaxMessageBytes;
  if (!(Number.isInteger(maxMessageBytes) && maxMessageBytes > 0)) {
    throw new HopbusError('config', `maxMessageBytes must be a whole number above 0, not ${maxMessageBytes}.`);
  }
  return new Bus(transport, options.services ?? [], options.container ?? newContainer(), logger, maxMessageBytes, options.tracing);
}
