/** Resolves at the next turn of the event loop, after I/O and timers that are due. */
export function nextTurnOfEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Work done since the event loop last turned. A loop that can run on promises alone (publishing
 * to the memory transport, taking deliveries that are always ready) keeps the event loop from
 * turning: timers, I/O and everyone else's next turn wait for as long as it lasts. It spends
 * from this budget instead: past `unitsPerTurn` within one turn, `spend()` returns a promise
 * that resolves at the next turn, and the loop awaits it.
 */
export class TurnBudget {
  private spent = 0;
  private watching = false;

  constructor(private readonly unitsPerTurn: number) {}

  /** undefined while the budget of this turn lasts; otherwise, await the promise before going on. */
  spend(units: number): Promise<void> | undefined {
    if (!this.watching) {
      this.watching = true;
      setImmediate(this.turned);
    }
    this.spent += units;
    return this.spent >= this.unitsPerTurn ? nextTurnOfEventLoop() : undefined;
  }

  private readonly turned = (): void => {
    this.spent = 0;
    this.watching = false;
  };
}
