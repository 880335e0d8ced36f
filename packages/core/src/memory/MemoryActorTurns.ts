import type { ActorTurn, ActorTurns, OutgoingRecord } from '../transport/Transport.js';

/**
 * Keyed actors' state in process memory, and turns committed in one synchronous step: the
 * outputs appended, the state kept and the input acknowledged with nothing in between, so no
 * reader sees part of a turn. Nothing survives the process.
 */
export class MemoryActorTurns implements ActorTurns {
  private readonly states = new Map<string, Uint8Array>();

  constructor(
    /** Appends records to their topics at once (MemoryTransport's storing step). */
    private readonly append: (records: readonly OutgoingRecord[]) => void,
    private readonly assertOpen: (operation: string) => void,
  ) {}

  async loadState(actor: string, key: string): Promise<Uint8Array | undefined> {
    this.assertOpen('load actor state');
    return this.states.get(stateKey(actor, key));
  }

  async commitTurn(turn: ActorTurn): Promise<void> {
    this.assertOpen('commit a turn');
    this.append(turn.records);
    this.states.set(stateKey(turn.actor, turn.key), turn.state);
    turn.input.ack();
  }
}

function stateKey(actor: string, key: string): string {
  return `${actor}\u0000${key}`;
}
