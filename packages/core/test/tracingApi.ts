import { context, diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import type { ContextManager, DiagLogger, TextMapPropagator, TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

/** What a test registers with the OpenTelemetry API: each piece on its own, so that tests can set up "a propagator and no SDK". */
export interface Registration {
  readonly provider?: TracerProvider;
  readonly propagator?: TextMapPropagator;
  /** Default: an AsyncLocalStorage context manager, so that `context.with` reaches what runs inside. */
  readonly contextManager?: ContextManager | false;
}

/** The global entry every copy of the API 1.x registers under. */
const registrations = Symbol.for('opentelemetry.js.api.1');

/** Unregisters everything: provider, propagator, context manager, diag logger. */
export function resetApi(): void {
  trace.disable();
  propagation.disable();
  context.disable();
  diag.disable();
}

/**
 * As if the process had never registered anything: the API's global entry itself is gone (it
 * stays once anything was registered, even after every piece is disabled).
 */
export function neverRegistered(): void {
  resetApi();
  delete (globalThis as { [registrations]?: unknown })[registrations];
}

export function register({ provider, propagator, contextManager }: Registration): void {
  resetApi();
  if (contextManager !== false) context.setGlobalContextManager(contextManager ?? new AsyncLocalStorageContextManager().enable());
  if (propagator !== undefined) propagation.setGlobalPropagator(propagator);
  if (provider !== undefined) trace.setGlobalTracerProvider(provider);
}

/** A diag logger that keeps the warnings and errors it is given. */
export function recordDiag(): { readonly messages: string[] } {
  const messages: string[] = [];
  const keep = (message: string): void => void messages.push(message);
  const ignore = (): void => undefined;
  const logger: DiagLogger = { error: keep, warn: keep, info: ignore, debug: ignore, verbose: ignore };
  diag.setLogger(logger, DiagLogLevel.WARN);
  return { messages };
}
