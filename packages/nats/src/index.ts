import { registerTransport } from '@hopbus/core';
import { NatsTransport } from './NatsTransport.js';

registerTransport('nats', (url) => new NatsTransport(String(url)));
registerTransport('tls', (url) => new NatsTransport(String(url)));

export { NatsTransport } from './NatsTransport.js';
export type { NatsLogger, NatsStreamOptions, NatsTlsOptions, NatsTransportOptions } from './NatsTransportOptions.js';
export { parseNatsUrl } from './parseNatsUrl.js';
