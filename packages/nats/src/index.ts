import { registerTransport } from '@hopbus/core';
import type { TransportFactory } from '@hopbus/core';
import { NatsTransport } from './NatsTransport.js';
import { parseNatsUrl } from './parseNatsUrl.js';

const fromUrl: TransportFactory = (url, { logger }) => new NatsTransport({ ...parseNatsUrl(String(url)), logger });
registerTransport('nats', fromUrl);
registerTransport('tls', fromUrl);

export { NatsTransport } from './NatsTransport.js';
export type { NatsLogger, NatsStreamOptions, NatsTlsOptions, NatsTransportOptions } from './NatsTransportOptions.js';
export { parseNatsUrl } from './parseNatsUrl.js';
