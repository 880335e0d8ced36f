import { monotonicMs } from '@hopbus/core';
import type { Logger } from '@hopbus/core';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * Logs the connection's status changes until it closes; never rejects. A lost connection is a
 * warning both when it goes and when it comes back (with how long it was down), so a logger
 * that shows warnings only (the default) shows where an outage starts and where it ends. Each
 * reconnect attempt is logged at debug; server errors, a stale connection and a slow consumer are
 * warnings; lame duck mode is info; a connection that ends without `closing()` (its reconnect
 * attempts used up) is an error.
 */
export async function logConnectionStatus(nc: NatsConnection, logger: Logger, closing: () => boolean): Promise<void> {
  let downSince: number | undefined;
  let attempts = 0;
  try {
    for await (const status of nc.status()) {
      switch (status.type) {
        case 'disconnect':
          downSince ??= monotonicMs();
          logger.warn(`hopbus nats: disconnected from ${status.server}; reconnecting`);
          break;
        case 'reconnecting':
          attempts += 1;
          logger.debug(`hopbus nats: reconnecting (attempt ${attempts})`);
          break;
        case 'reconnect': {
          const downMs = downSince === undefined ? 0 : monotonicMs() - downSince;
          downSince = undefined;
          attempts = 0;
          logger.warn(`hopbus nats: reconnected to ${status.server} after ${(downMs / 1000).toFixed(1)} s disconnected`);
          break;
        }
        case 'error':
          logger.warn(`hopbus nats: ${status.error.message}`);
          break;
        case 'staleConnection':
          logger.warn('hopbus nats: the server stopped answering pings; reconnecting');
          break;
        case 'slowConsumer':
          logger.warn(`hopbus nats: a subscription to ${status.sub.getSubject()} falls behind, ${status.pending} messages pending`);
          break;
        case 'ldm':
          logger.info(`hopbus nats: server ${status.server} is entering lame duck mode`);
          break;
        default:
          break;
      }
    }
  } catch (error) {
    logger.warn(`hopbus nats: connection status stopped (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!closing()) {
    logger.error(
      `hopbus nats: the connection closed for good after ${attempts} reconnect attempts (maxReconnectAttempts); publishing and subscribing fail from now on. Check the servers, then create a new bus.`,
    );
  }
}
