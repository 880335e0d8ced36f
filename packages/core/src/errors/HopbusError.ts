/**
 * The one error type of hopbus. Every error says what went wrong and what to do, and carries
 * a `code` that programs can switch on. `HopbusError.is()` works across copies of the package.
 */
export const HopbusErrorCode = {
  invalidTopic: 'invalid_topic',
  transportClosed: 'transport_closed',
  decode: 'decode',
  schema: 'schema',
  handler: 'handler',
  maxDeliveries: 'max_deliveries',
  config: 'config',
  corruptLog: 'corrupt_log',
  messageTooLarge: 'message_too_large',
  publishFailed: 'publish_failed',
  authFailed: 'auth_failed',
  connectFailed: 'connect_failed',
  locked: 'locked',
  notFound: 'not_found',
  actorKeyMissing: 'actor_key_missing',
  stateTooLarge: 'state_too_large',
  unsupported: 'unsupported',
} as const;

export type HopbusErrorCode = (typeof HopbusErrorCode)[keyof typeof HopbusErrorCode];

const brand = Symbol.for('hopbus.error');

export class HopbusError extends Error {
  readonly code: HopbusErrorCode;

  constructor(code: HopbusErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'HopbusError';
    Object.defineProperty(this, brand, { value: true });
  }

  /** True for any HopbusError, even one thrown by another copy of this package. */
  static is(value: unknown): value is HopbusError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }

  /** True when `value` is a HopbusError with this code. */
  static hasCode(value: unknown, code: HopbusErrorCode): value is HopbusError {
    return HopbusError.is(value) && value.code === code;
  }
}
