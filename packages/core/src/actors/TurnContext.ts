import { DeliveryContext } from '../runtime/DeliveryContext.js';
import type { PublishOptions } from '../runtime/Publisher.js';
import type { Topic } from '../topic/Topic.js';
import type { HeldTurn } from './HeldTurn.js';

/** Holds the records of one publish() call of a turn (see ActorHost). */
export type HoldPublish = (turn: HeldTurn, topic: Topic<unknown>, messages: readonly { readonly payload: unknown; readonly options?: PublishOptions }[]) => Promise<void>;

const publishesThroughTheTurn = (): Promise<void> => Promise.reject(new Error('a turn context publishes through its turn'));

/**
 * The MessageContext of a keyed actor's turn: the turn's message read as DeliveryContext reads
 * it, at the attempt the turn runs; publishes are held until the turn commits.
 */
export class TurnContext extends DeliveryContext {
  constructor(
    private readonly turn: HeldTurn,
    private readonly holdPublish: HoldPublish,
  ) {
    const { delivery, payload, signal, attempt } = turn.cause;
    super(delivery, payload, signal, publishesThroughTheTurn);
    this.attempt = attempt;
  }

  /** Resolves once the message is held: it is sent when the turn commits, never if the turn fails. */
  override publish<T>(topic: Topic<T>, payload: T, options?: PublishOptions): Promise<void> {
    return this.holdPublish(this.turn, topic as Topic<unknown>, [{ payload, options }]);
  }

  override deleteState(): void {
    this.turn.deletesState = true;
  }
}
