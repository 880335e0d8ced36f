import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNatsServerBinary } from './findNatsServerBinary.js';
import { freeLoopbackPort } from './freeLoopbackPort.js';

/**
 * How clients authenticate: a user and password, a token, an NKey user (its public key,
 * `U...`), or decentralized JWT auth (an operator JWT, and the account JWTs the server holds in
 * memory, by account public key; JetStream needs a system account among them).
 */
export type NatsServerAuth =
  | { readonly user: string; readonly password: string }
  | { readonly token: string }
  | { readonly nkey: string }
  | { readonly operatorJwt: string; readonly accountJwts: Readonly<Record<string, string>>; readonly systemAccount: string };

export interface NatsServerTls {
  readonly certFile: string;
  readonly keyFile: string;
  /** With `verify`, clients must present a certificate signed by this CA. */
  readonly caFile?: string;
  readonly verify?: boolean;
}

export interface NatsServerCluster {
  readonly name: string;
  /** The route port of this node (on 127.0.0.1). */
  readonly port: number;
  /** The route ports of every node, this one included. */
  readonly routes: readonly number[];
}

export interface NatsServerOptions {
  /** Path to nats-server; found by findNatsServerBinary() otherwise. */
  readonly binary?: string;
  /** Client port on 127.0.0.1; a free one by default. */
  readonly port?: number;
  readonly serverName?: string;
  readonly auth?: NatsServerAuth;
  readonly tls?: NatsServerTls;
  readonly cluster?: NatsServerCluster;
  /** Bytes; 8 MiB by default so that a 1 MiB payload plus headers fits (nats-server's default is 1 MiB). */
  readonly maxPayload?: number;
  /** Extra lines appended to the generated configuration file. */
  readonly extraConfig?: string;
  /** How long start() waits for the server to accept clients with JetStream ready (ms, default 15,000). */
  readonly startTimeoutMs?: number;
}

const q = (value: string): string => JSON.stringify(value);

/**
 * A private nats-server for tests: JetStream on, a temporary store, listening on 127.0.0.1 only
 * (client, monitoring and route ports). start() resolves once the monitoring endpoint /healthz
 * says the server and JetStream are ready. restart() brings it back on the same ports and store.
 */
export class NatsServer {
  readonly host = '127.0.0.1';
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output: string[] = [];

  private constructor(
    readonly port: number,
    readonly httpPort: number,
    readonly dir: string,
    private readonly binary: string,
    private readonly options: NatsServerOptions,
  ) {}

  /**
   * Starts a server; rejects with the server's last log lines when it does not come up. Ports it
   * chose itself may be taken by another process before nats-server binds them: then it tries
   * again on new ones (up to three times).
   */
  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await NatsServer.startOnce(options);
      } catch (error) {
        if (attempt >= 3 || !isPortTaken(error)) throw error;
      }
    }
  }

  private static async startOnce(options: NatsServerOptions): Promise<NatsServer> {
    const binary = findNatsServerBinary(options.binary);
    const port = options.port ?? (await freeLoopbackPort());
    const httpPort = await freeLoopbackPort();
    const dir = mkdtempSync(join(tmpdir(), 'hopbus-nats-'));
    mkdirSync(join(dir, 'jetstream'));
    const server = new NatsServer(port, httpPort, dir, binary, options);
    writeFileSync(server.configFile, server.config());
    try {
      await server.launch();
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return server;
  }

  /** nats://127.0.0.1:<port> */
  get url(): string {
    return `nats://${this.host}:${this.port}`;
  }

  get storeDir(): string {
    return join(this.dir, 'jetstream');
  }

  get configFile(): string {
    return join(this.dir, 'server.conf');
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Graceful stop (SIGTERM); resolves when the process has exited. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  /** Hard kill (SIGKILL), as a crash would; resolves when the process has exited. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** Starts again on the same ports and store; stops a running server first. */
  async restart(): Promise<void> {
    if (this.child) await this.stop();
    await this.launch();
  }

  /** Stops the server and deletes its store. */
  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = this.exited;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  private config(): string {
    const o = this.options;
    const lines = [
      `server_name: ${q(o.serverName ?? `hopbus-${this.port}`)}`,
      `listen: ${q(`${this.host}:${this.port}`)}`,
      `http: ${q(`${this.host}:${this.httpPort}`)}`,
      `max_payload: ${o.maxPayload ?? 8 * 1024 * 1024}`,
      `jetstream { store_dir: ${q(this.storeDir)}, max_memory_store: 268435456, max_file_store: 4294967296 }`,
    ];
    if (o.auth) lines.push(...authConfig(o.auth));
    if (o.tls) {
      const ca = o.tls.caFile ? `, ca_file: ${q(o.tls.caFile)}` : '';
      lines.push(`tls { cert_file: ${q(o.tls.certFile)}, key_file: ${q(o.tls.keyFile)}${ca}, verify: ${o.tls.verify ? 'true' : 'false'} }`);
    }
    if (o.cluster) {
      const routes = o.cluster.routes.map((p) => q(`nats-route://${this.host}:${p}`)).join(', ');
      lines.push(`cluster { name: ${q(o.cluster.name)}, listen: ${q(`${this.host}:${o.cluster.port}`)}, routes: [${routes}] }`);
    }
    if (o.extraConfig) lines.push(o.extraConfig);
    return `${lines.join('\n')}\n`;
  }

  private async launch(): Promise<void> {
    this.output = [];
    const child = spawn(this.binary, ['-c', this.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (chunk: Buffer): void => {
      this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (this.output.length > 40) this.output.splice(0, this.output.length - 40);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        if (this.child === child) this.child = undefined;
        resolve();
      }),
    );
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 15_000);
    while (Date.now() < deadline) {
      if (!this.child) break;
      if (await this.healthy()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const log = this.output.join('\n');
    await this.kill();
    throw new Error(`nats-server on ${this.url} did not become ready. Its last lines:\n${log}`);
  }

  /** True when /healthz answers 200: the server accepts clients and JetStream is ready. */
  private healthy(): Promise<boolean> {
    return new Promise((resolve) => {
      const request = get({ host: this.host, port: this.httpPort, path: '/healthz', timeout: 1000 }, (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      });
      request.on('error', () => resolve(false));
      request.on('timeout', () => {
        request.destroy();
        resolve(false);
      });
    });
  }
}

function authConfig(auth: NatsServerAuth): string[] {
  if ('token' in auth) return [`authorization { token: ${q(auth.token)} }`];
  if ('nkey' in auth) return [`authorization { users = [ { nkey: ${q(auth.nkey)} } ] }`];
  if ('operatorJwt' in auth) {
    const accounts = Object.entries(auth.accountJwts).map(([key, jwt]) => `${q(key)}: ${q(jwt)}`);
    return [`operator: ${q(auth.operatorJwt)}`, `system_account: ${q(auth.systemAccount)}`, 'resolver: MEMORY', `resolver_preload: { ${accounts.join(', ')} }`];
  }
  return [`authorization { user: ${q(auth.user)}, password: ${q(auth.password)} }`];
}

/** nats-server could not bind a port that was free a moment before. */
export function isPortTaken(error: unknown): boolean {
  return String(error instanceof Error ? error.message : error).includes('address already in use');
}
