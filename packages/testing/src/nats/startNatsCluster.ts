import { freeLoopbackPort } from './freeLoopbackPort.js';
import { isPortTaken, NatsServer } from './NatsServer.js';
import type { NatsServerOptions } from './NatsServer.js';

export interface NatsCluster {
  readonly servers: readonly NatsServer[];
  /** Every node's client URL, comma-separated: `nats://127.0.0.1:a,127.0.0.1:b,...`. */
  readonly url: string;
  /** Kills every node and deletes their stores. */
  dispose(): Promise<void>;
}

type ClusterOptions = Omit<NatsServerOptions, 'cluster' | 'port' | 'serverName'>;

/**
 * A JetStream cluster of `size` nodes (3 by default) on 127.0.0.1, joined by routes. Nodes start
 * together, because JetStream is ready only once a quorum has elected a meta leader. When a port
 * chosen for it is taken before a node binds it, the whole cluster starts again on new ports
 * (up to three times).
 */
export async function startNatsCluster(size = 3, options: ClusterOptions = {}): Promise<NatsCluster> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startClusterOnce(size, options);
    } catch (error) {
      if (attempt >= 3 || !isPortTaken(error)) throw error;
    }
  }
}

async function startClusterOnce(size: number, options: ClusterOptions): Promise<NatsCluster> {
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
