/**
 * The span attributes hopbus writes: OpenTelemetry's messaging semantic conventions, plus
 * `hopbus.*` for what those conventions do not name. Tools over traces (`@hopbus/tracing`)
 * read spans by these names.
 */
export const tracingAttributes = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  messageId: 'messaging.message.id',
  conversationId: 'messaging.message.conversation_id',
  bodySize: 'messaging.message.body.size',
  batchCount: 'messaging.batch.message_count',
  consumerGroup: 'messaging.consumer.group.name',
  partition: 'messaging.destination.partition.id',
  errorType: 'error.type',
  offset: 'hopbus.offset',
  deliveryCount: 'hopbus.delivery_count',
  actor: 'hopbus.actor',
  handler: 'hopbus.handler',
  key: 'hopbus.key',
  attempts: 'hopbus.attempts',
  retryDelayMs: 'hopbus.retry.delay_ms',
  originalTopic: 'hopbus.original_topic',
  linkReason: 'hopbus.link.reason',
} as const;

/** Span event names hopbus writes on `process` spans. */
export const tracingEvents = {
  /** A handler call threw and will be retried: attributes `hopbus.attempts`, `hopbus.retry.delay_ms`, `exception.*`. */
  retry: 'hopbus.retry',
  /** The delivery was handed back to the transport unfinished (the bus stopped). */
  handedBack: 'hopbus.handed_back',
} as const;
