import type { Topic } from '../topic/Topic.js';
import { recordPublisher } from './metadata.js';
import { refuseStandardDecorator } from './refuseStandardDecorator.js';

/**
 * Marks a field to receive a `Publisher<T>` for the topic when the bus starts. Declare the
 * field with `!`: `@Publishes(Settled) private readonly settled!: Publisher<Settled>`.
 */
export function Publishes<T>(topic: Topic<T>): (prototype: object, field: string | symbol) => void {
  return (prototype, field) => {
    refuseStandardDecorator(`@Publishes(${topic.name})`, field);
    recordPublisher(prototype, { field, topic: topic as Topic<unknown> });
  };
}
