import { HopbusError } from '../errors/HopbusError.js';
import type { MessageContext } from '../runtime/MessageContext.js';
import type { Topic } from '../topic/Topic.js';
import { recordSubscription } from './metadata.js';
import { refuseStandardDecorator } from './refuseStandardDecorator.js';
import type { SubscribeHandlerOptions } from './metadata.js';

/** A handler of topic T: its first parameter must accept T. */
export type Handler<T> = (payload: T, context: MessageContext) => unknown;

/**
 * Marks a method as the handler of a topic. A handler whose payload parameter does not accept
 * the topic's type does not compile. Records metadata only.
 */
export function Subscribe<T>(
  topic: Topic<T>,
  options: SubscribeHandlerOptions<T> = {},
): <M extends Handler<T>>(prototype: object, method: string | symbol, descriptor: TypedPropertyDescriptor<M>) => void {
  return (prototype, method, descriptor) => {
    refuseStandardDecorator(`@Subscribe(${topic.name})`, method);
    if (typeof descriptor?.value !== 'function') {
      throw new HopbusError('config', `@Subscribe(${topic.name}) must decorate a method, not ${String(method)}.`);
    }
    if (options.concurrency !== undefined && !(Number.isInteger(options.concurrency) && options.concurrency >= 1)) {
      throw new HopbusError('config', `@Subscribe(${topic.name}) on ${String(method)}: concurrency must be a whole number ≥ 1.`);
    }
    if (options.maxDeliveries !== undefined && !(options.maxDeliveries >= 1 && (Number.isInteger(options.maxDeliveries) || options.maxDeliveries === Infinity))) {
      throw new HopbusError('config', `@Subscribe(${topic.name}) on ${String(method)}: maxDeliveries must be a whole number ≥ 1, or Infinity.`);
    }
    recordSubscription(prototype, { method, topic: topic as Topic<unknown>, options: options as SubscribeHandlerOptions<unknown> });
  };
}
