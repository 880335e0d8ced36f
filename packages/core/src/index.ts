import 'reflect-metadata';

export { HopbusError, HopbusErrorCode } from './errors/HopbusError.js';
export { topic } from './topic/Topic.js';
export type { Topic, TopicOptions, PayloadOf } from './topic/Topic.js';
export { jsonCodec, rawCodec } from './topic/Codec.js';
export type { Codec } from './topic/Codec.js';
export { validateTopicName, maxTopicNameLength } from './topic/validateTopicName.js';
export { safeJsonParse } from './topic/safeJsonParse.js';
export { newMessageId } from './util/newMessageId.js';
export type {
  Delivery,
  OutgoingRecord,
  StartPosition,
  SubscribeOptions,
  Subscription,
  Transport,
  TransportFeatures,
} from './transport/Transport.js';
export { registerTransport, resolveTransport } from './transport/transportRegistry.js';
export type { TransportFactory } from './transport/transportRegistry.js';
export { MemoryTransport } from './memory/MemoryTransport.js';
export type { MemoryTransportOptions } from './memory/MemoryTransport.js';
