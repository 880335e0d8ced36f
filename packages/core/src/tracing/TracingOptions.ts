/**
 * How a `process` span relates to the `publish` span whose context arrived in the headers:
 * `child` (default) continues the producer's trace; `link` starts a new trace per delivery
 * and links it to the producer (for long-lived flows where one trace per hop reads better).
 * Baggage crosses the hop either way.
 */
export type ProcessParent = 'child' | 'link';

/** The `tracing` option of `createBus()`. Tracing records nothing until the app registers an OpenTelemetry SDK. */
export interface TracingOptions {
  readonly parent?: ProcessParent;
}
