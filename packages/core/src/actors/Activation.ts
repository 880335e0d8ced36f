import type { HeldTurn } from './HeldTurn.js';

/** One live instance of a keyed actor: its key, the object, and the state its last committed turn left. */
export class Activation {
  /** The turn running on this instance; undefined between turns. */
  turn: HeldTurn | undefined = undefined;
  /** monotonicMs() when its last turn ended. */
  lastUsed: number;

  constructor(
    readonly key: string,
    readonly instance: object,
    /** The committed state's encoding (or the new instance's own, before its first commit): what a failed turn returns to. */
    public committed: Uint8Array,
    now: number,
  ) {
    this.lastUsed = now;
  }
}
