/** Holds handlers until the test opens it; the rig opens every gate when a case ends, so none is left waiting. */
export class Gate {
  private openGate!: () => void;
  /** Resolves once the gate is open. */
  readonly passed: Promise<void> = new Promise((resolve) => (this.openGate = resolve));

  open(): void {
    this.openGate();
  }
}
