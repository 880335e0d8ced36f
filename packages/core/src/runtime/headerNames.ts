/** The headers hopbus itself writes. */
export const headerNames = {
  correlationId: 'hopbus-correlation-id',
  causationId: 'hopbus-causation-id',
  error: 'hopbus-error',
  errorCode: 'hopbus-error-code',
  originalTopic: 'hopbus-original-topic',
  originalId: 'hopbus-original-id',
  originalGroup: 'hopbus-original-group',
  attempts: 'hopbus-attempts',
  failedAt: 'hopbus-failed-at',
  /** The dead-letter topic the record was written to: tells a dead letter from a copy of its headers elsewhere. */
  deadLetterTopic: 'hopbus-dead-letter-topic',
  /** The first failure of a dead letter that failed again: each `hopbus-` failure header above, prefixed `first-`. */
  firstError: 'hopbus-first-error',
  firstErrorCode: 'hopbus-first-error-code',
  firstOriginalTopic: 'hopbus-first-original-topic',
  firstOriginalId: 'hopbus-first-original-id',
  firstOriginalGroup: 'hopbus-first-original-group',
  firstAttempts: 'hopbus-first-attempts',
  firstFailedAt: 'hopbus-first-failed-at',
} as const;
