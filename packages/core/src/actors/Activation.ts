import type { HeldTurn } from './HeldTurn.js';
import type { CommittedInputs } from './stateCodec.js';

/** One live instance of a keyed actor: its key, the object, and what its last committed turn left. */
export class Activation {
  /** The turn running on this instance; undefined between turns. */
  turn: HeldTurn | undefined = undefined;
  /** monotonicMs() when its last turn ended. */
  lastUsed: number;

  constructor(
    readonly key: string,
    readonly instance: object,
    /** The committed `@State()` fields as JSON text (the new instance's own before its first commit): what a failed turn returns to. */
    public committedFields: string,
    /** The inputs applied by committed turns (see CommittedInputs). */
    public inputs: CommittedInputs,
    now: number,
  ) {
    this.lastUsed = now;
  }
}
