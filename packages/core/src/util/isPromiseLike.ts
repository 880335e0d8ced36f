/**
 * A promise of any realm (a library loaded in a vm context or a test sandbox makes promises that
 * are not `instanceof Promise` here) or any other promise-like (a thenable).
 */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
