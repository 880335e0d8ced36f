import { freeLoopbackPort } from './freeLoopbackPort.js';
import { NatsServer } from './NatsServer.js';
import type { NatsServerOptions } from './NatsServer.js';

export interface NatsCluster {
  readonly servers: readonly NatsServer[];
  /** Every node's client URL, comma-separated: `nats://127.0.0.1:a,127.0.0.1:b,...`. */
  readonly url: string;
  /** Kills every node and deletes their stores. */
  dispose(): Promise<void>;
}

/**
 * A JetStream cluster of `size` nodes (3 by default) on 127.0.0.1, joined by routes. Nodes start
 * together, because JetStream is ready only once a quorum has elected a meta leader.
 */
export async function startNatsCluster(size = 3, options: Omit<NatsServerOptions, 'cluster' | 'port' | 'serverName'> = {}): Promise<NatsCluster> {
  const routes: number[] = [];
  const ports: number[] = [];
  for (let i = 0; i < size; i++) {
    routes.push(await freeLoopbackPort());
    ports.push(await freeLoopbackPort());
  }
  const name = `hopbus-${routes[0]}`;
  const started = await Promise.allSettled(
    ports.map((port, i) =>
      NatsServer.start({ ...options, port, serverName: `${name}-n${i}`, cluster: { name, port: routes[i]!, routes } }),
    ),
  );
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(servers.map((s) => s.dispose()));
    throw failed.reason;
  }
  return {
    servers,
    url: `nats://${servers.map((s) => `${s.host}:${s.port}`).join(',')}`,
    dispose: async () => {
      await Promise.all(servers.map((s) => s.dispose()));
    },
  };
}
