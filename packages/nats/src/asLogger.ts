import type { Logger } from '@hopbus/core';
import type { NatsLogger } from './NatsTransportOptions.js';

/** Every level of a NatsLogger: debug and info go nowhere where it has none, errors go to `warn`. */
export function asLogger(logger: NatsLogger): Logger {
  return {
    debug: (message) => logger.debug?.(message),
    info: (message) => logger.info?.(message),
    warn: (message) => logger.warn(message),
    error: (message) => (logger.error ? logger.error(message) : logger.warn(message)),
  };
}
