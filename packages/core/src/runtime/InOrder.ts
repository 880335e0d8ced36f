/**
 * Passes values on in the order they were given, though some of them are promises that settle
 * in any order (the answers of an asynchronous schema): a value given while an earlier one is
 * still pending settles only after it. A value given while nothing is pending, and that is no
 * promise, is passed on as it is, synchronously: a topic whose schema answers at once pays one
 * field read.
 */
export class InOrder {
  private tail: Promise<unknown> | undefined;

  /**
   * `value` itself when nothing is pending and it is not a promise; otherwise a promise that
   * settles as `value` does (fulfilled or rejected), after every value given before it. A
   * rejection is the caller's to handle, as `value`'s would be.
   */
  next<T>(value: T | Promise<T>): T | Promise<T> {
    const earlier = this.tail;
    if (earlier === undefined && !(value instanceof Promise)) return value;
    const settled: Promise<T> = earlier === undefined ? Promise.resolve(value) : earlier.then(() => value, () => value);
    this.tail = settled;
    const clear = (): void => {
      if (this.tail === settled) this.tail = undefined;
    };
    settled.then(clear, clear);
    return settled;
  }
}
