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
} as const;
