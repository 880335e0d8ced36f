import type { DeliveryContext } from '../runtime/DeliveryContext.js';
import type { MessageContext } from '../runtime/MessageContext.js';
import type { PublishOptions } from '../runtime/Publisher.js';
import type { Topic } from '../topic/Topic.js';
import type { HeldTurn } from './HeldTurn.js';

/** Holds the records of one publish() call of a turn (see ActorHost). */
export type HoldPublish = (turn: HeldTurn, topic: Topic<unknown>, messages: readonly { readonly payload: unknown; readonly options?: PublishOptions }[]) => Promise<void>;

/** The MessageContext of a keyed actor's turn: reads through to the delivery; publishes are held until the turn commits. */
export class TurnContext implements MessageContext {
  private readonly delivery: DeliveryContext;

  constructor(
    private readonly turn: HeldTurn,
    private readonly holdPublish: HoldPublish,
  ) {
    this.delivery = turn.cause;
  }

  get id(): string {
    return this.delivery.id;
  }
  get topic(): string {
    return this.delivery.topic;
  }
  get key(): string | undefined {
    return this.delivery.key;
  }
  get headers(): Readonly<Record<string, string>> {
    return this.delivery.headers;
  }
  get partition(): number {
    return this.delivery.partition;
  }
  get offset(): number {
    return this.delivery.offset;
  }
  get deliveryCount(): number {
    return this.delivery.deliveryCount;
  }
  get attempt(): number {
    return this.delivery.attempt;
  }
  get timestamp(): number {
    return this.delivery.timestamp;
  }
  get correlationId(): string {
    return this.delivery.correlationId;
  }
  get signal(): AbortSignal {
    return this.delivery.signal;
  }

  /** Resolves once the message is held: it is sent when the turn commits, never if the turn fails. */
  publish<T>(topic: Topic<T>, payload: T, options?: PublishOptions): Promise<void> {
    return this.holdPublish(this.turn, topic as Topic<unknown>, [{ payload, options }]);
  }

  deleteState(): void {
    this.turn.deletesState = true;
  }
}
