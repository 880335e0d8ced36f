import type { Container, Newable } from 'inversify';
import type { ActorHost } from '../actors/ActorHost.js';
import { actorOf, publishersOf, subscriptionsOf } from '../decorators/metadata.js';
import type { ActorMetadata } from '../decorators/metadata.js';
import { HopbusError } from '../errors/HopbusError.js';
import type { Topic } from '../topic/Topic.js';
import type { DeliveryContext } from './DeliveryContext.js';
import type { HandlerBinding } from './HandlerBinding.js';
import type { Publisher } from './Publisher.js';
import { retryPolicy } from './retry.js';

/** Keys of a keyed actor in turns at once, by default: each turn waits for its commit, and keys do not wait for each other. */
const keyedConcurrency = 256;

/** A class decorated with `@Actor()`; its constructor arguments come from the container. */
export type ServiceClass = Newable<object>;

/** Checks that a class is an actor and returns its metadata. */
export function actorMetadata(service: ServiceClass): ActorMetadata {
  const actor = actorOf(service);
  if (!actor) {
    throw new HopbusError('config', `${service.name || 'A service'} is not an actor: decorate the class with @Actor() to run it on the bus.`);
  }
  return actor;
}

/** Checks that a class is an actor and returns its name. */
export function actorName(service: ServiceClass): string {
  return actorMetadata(service).name;
}

/**
 * Resolves each service from the container (binding it as a singleton when the caller did not),
 * injects its publishers and lists its handlers with every option settled. A keyed actor is
 * bound per request instead (one instance per key) and its handlers run as turns of `hostOf`.
 */
export function resolveBindings(
  services: readonly ServiceClass[],
  container: Container,
  publisherFor: (topic: Topic<unknown>) => Publisher<unknown>,
  hostOf: (service: ServiceClass, actor: ActorMetadata) => ActorHost,
): HandlerBinding[] {
  const bindings: HandlerBinding[] = [];
  for (const service of services) {
    const metadata = actorMetadata(service);
    const actor = metadata.name;
    const host = metadata.keyed ? hostOf(service, metadata) : undefined;
    if (!container.isBound(service)) {
      if (host) container.bind(service).toSelf();
      else container.bind(service).toSelf().inSingletonScope();
    }
    // A keyed actor's instances are made here too, so that a container that cannot make them, or gives every key one instance, fails start().
    const instance = host ? host.probe() : singleton(container, service, actor);
    const prototype = service.prototype as object;
    const publishers = publishersOf(prototype);
    if (!host) {
      for (const { field, topic } of publishers) {
        Object.defineProperty(instance, field, { value: publisherFor(topic), writable: false, enumerable: false, configurable: true });
      }
    }
    const seen = new Set<string>();
    for (const { method, topic, options } of subscriptionsOf(prototype)) {
      const group = options.group ?? actor;
      const identity = `${topic.name}\u0000${group}`;
      if (seen.has(identity)) {
        throw new HopbusError(
          'config',
          `Actor ${actor} subscribes to ${topic.name} twice in group ${group}: the two handlers would split the messages. Give one a different group.`,
        );
      }
      seen.add(identity);
      const handler = (instance as Record<string | symbol, unknown>)[method];
      if (typeof handler !== 'function') throw new HopbusError('config', `Actor ${actor} has no method ${String(method)}.`);
      const concurrency = options.concurrency ?? (host ? keyedConcurrency : 1);
      const key = options.key;
      bindings.push({
        actor,
        instance,
        method,
        call: host
          ? (payload, context) => host.turn(key ? key(payload)! : (context as DeliveryContext).key!, context as DeliveryContext, { method, group }, payload)
          : (payload, context) => (handler as (p: unknown, c: unknown) => unknown).call(instance, payload, context),
        keyed: host !== undefined,
        tracksCause: host === undefined && publishers.length > 0,
        topic,
        group,
        key,
        concurrency,
        retry: retryPolicy(options.retry),
        deadLetter: options.deadLetter ?? topic.deadLetter,
        start: options.start ?? 'earliest',
        maxInFlight: options.maxInFlight ?? Math.max(64, 4 * concurrency),
        ackTimeoutMs: options.ackTimeoutMs ?? 30_000,
        maxDeliveries: options.maxDeliveries ?? 10,
      });
    }
  }
  return bindings;
}

function singleton(container: Container, service: ServiceClass, actor: string): object {
  try {
    return container.get<object>(service);
  } catch (cause) {
    throw new HopbusError('config', `Actor ${actor} could not be created by the container: ${(cause as Error).message}`, { cause });
  }
}
