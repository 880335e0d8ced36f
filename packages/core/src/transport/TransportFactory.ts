import type { Logger } from '../runtime/Logger.js';
import type { Transport } from './Transport.js';

/**
 * What a factory gets besides the URL: what the bus was configured with that a transport should
 * use too. An object, so that it can grow without changing the factory's signature.
 */
export interface TransportContext {
  /** The bus's logger (its `logger` option, or the default): where the transport reports connection changes and repairs. */
  readonly logger: Logger;
}

/** Makes a transport from a URL such as `log:./data` or `nats://a:4222,b:4222`. */
export type TransportFactory = (url: URL | string, context: TransportContext) => Transport;
