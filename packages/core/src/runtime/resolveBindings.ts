import type { Container, Newable } from 'inversify';
import { actorOf, publishersOf, subscriptionsOf } from '../decorators/metadata.js';
import { HopbusError } from '../errors/HopbusError.js';
import type { Topic } from '../topic/Topic.js';
import type { HandlerBinding } from './HandlerBinding.js';
import type { Publisher } from './Publisher.js';
import { retryPolicy } from './retry.js';

/** A class decorated with `@Actor()`; its constructor arguments come from the container. */
export type ServiceClass = Newable<object>;

/** Checks that a class is an actor and returns its name. */
export function actorName(service: ServiceClass): string {
  const actor = actorOf(service);
  if (!actor) {
    throw new HopbusError('config', `${service.name || 'A service'} is not an actor: decorate the class with @Actor() to run it on the bus.`);
  }
  return actor.name;
}

/**
 * Resolves each service from the container (binding it as a singleton when the caller did not),
 * injects its publishers and lists its handlers with every option settled.
 */
export function resolveBindings(
  services: readonly ServiceClass[],
  container: Container,
  publisherFor: (topic: Topic<unknown>) => Publisher<unknown>,
): HandlerBinding[] {
  const bindings: HandlerBinding[] = [];
  for (const service of services) {
    const actor = actorName(service);
    if (!container.isBound(service)) container.bind(service).toSelf().inSingletonScope();
    let instance: object;
    try {
      instance = container.get<object>(service);
    } catch (cause) {
      throw new HopbusError('config', `Actor ${actor} could not be created by the container: ${(cause as Error).message}`, { cause });
    }
    const prototype = service.prototype as object;
    const publishers = publishersOf(prototype);
    for (const { field, topic } of publishers) {
      Object.defineProperty(instance, field, { value: publisherFor(topic), writable: false, enumerable: false, configurable: true });
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
      const concurrency = options.concurrency ?? 1;
      bindings.push({
        actor,
        instance,
        method,
        call: (payload, context) => (handler as (p: unknown, c: unknown) => unknown).call(instance, payload, context),
        tracksCause: publishers.length > 0,
        topic,
        group,
        key: options.key,
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
