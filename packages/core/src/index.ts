import 'reflect-metadata';
import { memoryTransportFromUrl } from './memory/MemoryTransport.js';
import { registerTransport } from './transport/transportRegistry.js';

registerTransport('memory', memoryTransportFromUrl);

export { HopbusError, HopbusErrorCode } from './errors/HopbusError.js';
export { PartlyPublishedError } from './errors/PartlyPublishedError.js';
export { topic } from './topic/Topic.js';
export type { Topic, TopicOptions, PayloadOf } from './topic/Topic.js';
export { jsonCodec, rawCodec } from './topic/Codec.js';
export type { Codec } from './topic/Codec.js';
export { validateTopicName, maxTopicNameLength } from './topic/validateTopicName.js';
export { safeJsonParse } from './topic/safeJsonParse.js';
export { newMessageId } from './util/newMessageId.js';
export { monotonicMs } from './util/monotonicMs.js';
export type {
  ActorTurn,
  ActorTurns,
  Delivery,
  OutgoingRecord,
  StartPosition,
  SubscribeOptions,
  Subscription,
  Transport,
  TransportFeatures,
} from './transport/Transport.js';
export { registerTransport, resolveTransport } from './transport/transportRegistry.js';
export type { TransportContext, TransportFactory } from './transport/TransportFactory.js';
export { PullDelivery } from './pull/PullDelivery.js';
export { RecordDelivery } from './pull/RecordDelivery.js';
export type { DeliveryOwner, Settlement } from './pull/PullDelivery.js';
export { PullGroup } from './pull/PullGroup.js';
export { InFlightList } from './pull/InFlightList.js';
export { PullSubscription } from './pull/PullSubscription.js';
export { RedeliveryQueue } from './pull/RedeliveryQueue.js';
export { MemoryTransport } from './memory/MemoryTransport.js';
export type { MemoryTransportOptions } from './memory/MemoryTransport.js';
export { Actor } from './decorators/Actor.js';
export { Subscribe } from './decorators/Subscribe.js';
export type { Handler } from './decorators/Subscribe.js';
export { Publishes } from './decorators/Publishes.js';
export { State } from './decorators/State.js';
export type { ActorOptions, SubscribeHandlerOptions } from './decorators/metadata.js';
export { createBus, defaultTransportUrl, defaultMaxMessageBytes } from './runtime/createBus.js';
export type { BusOptions } from './runtime/createBus.js';
export { Bus } from './runtime/Bus.js';
export type { StopOptions } from './runtime/Bus.js';
export type { ServiceClass } from './runtime/resolveBindings.js';
export type { MessageContext } from './runtime/MessageContext.js';
export type { Publisher, PublishOptions } from './runtime/Publisher.js';
export type { RetryOptions } from './runtime/retry.js';
export { headerNames } from './runtime/headerNames.js';
export { consoleLogger, silentLogger } from './runtime/Logger.js';
export type { Logger } from './runtime/Logger.js';
export { topologyToMermaid } from './runtime/Topology.js';
export type { Topology } from './runtime/Topology.js';
export { tracingAttributes, tracingEvents } from './tracing/tracingAttributes.js';
export { messagingSystem } from './tracing/messagingSystem.js';
export type { ProcessParent, TracingOptions } from './tracing/TracingOptions.js';
