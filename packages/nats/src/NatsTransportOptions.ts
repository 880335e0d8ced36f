/** Where log lines about the connection go: a hopbus Logger, `console`, or any object with at least `warn`. */
export interface NatsLogger {
  warn(message: string): void;
  error?(message: string): void;
  info?(message: string): void;
  debug?(message: string): void;
}

export interface NatsTlsOptions {
  /** PEM file of the CA that signed the server's certificate. */
  readonly caFile?: string;
  /** PEM files of the client certificate and key, when the server verifies clients. */
  readonly certFile?: string;
  readonly keyFile?: string;
}

/** How streams the transport creates are sized. */
export interface NatsStreamOptions {
  /** Records older than this are dropped (ms; 0 = forever, the default). */
  readonly maxAgeMs?: number;
  /** The stream drops its oldest records above this size (bytes; -1 = unlimited, the default). */
  readonly maxBytes?: number;
  /** Copies in a JetStream cluster (1 by default; 3 for fault tolerance). */
  readonly replicas?: number;
  /** JetStream's deduplication window on Nats-Msg-Id (ms; 2 minutes by default). */
  readonly duplicateWindowMs?: number;
}

export interface NatsTransportOptions {
  /** Server URLs, `nats://host:port` or `tls://host:port`; several make a pool. Absent: `127.0.0.1:4222`; a list naming none fails with `config`. */
  readonly servers?: readonly string[];
  readonly token?: string;
  readonly user?: string;
  readonly password?: string;
  /** An NKey seed (`SU...`), inline. */
  readonly nkeySeed?: string;
  /** A `.creds` file (JWT and NKey seed), as made by `nsc`. */
  readonly credentialsFile?: string;
  /** TLS settings; `tls://` URLs turn TLS on with the system CAs. */
  readonly tls?: NatsTlsOptions;
  /** A name shown by the server's monitoring. */
  readonly name?: string;
  /** How long the first connection may take (ms, default 5,000); then connect() fails with `connect_failed`. */
  readonly connectTimeoutMs?: number;
  /** Reconnect attempts after a lost connection; -1 (the default) is forever. */
  readonly maxReconnectAttempts?: number;
  /** Base wait between reconnect attempts (ms, default 1,000), plus up to `reconnectJitterMs` (default 500). */
  readonly reconnectWaitMs?: number;
  readonly reconnectJitterMs?: number;
  /**
   * true (the default): a missing stream is created on first use of its topic (file storage,
   * `stream` options). false: streams are managed by operations; a missing stream, or one whose
   * subjects do not cover the topic, fails with code `config`.
   */
  readonly manageStreams?: boolean;
  readonly stream?: NatsStreamOptions;
  /** The stream of a topic; by default the topic name with '.' replaced by '_' (`orders.placed` → `orders_placed`). */
  readonly streamName?: (topic: string) => string;
  /**
   * How long one pull request waits on the server (ms, default 5,000). Heartbeats come at half of
   * it; two missed heartbeats make the subscription pull again, so this bounds how long a
   * consumer can stay stalled after a node fails.
   */
  readonly pullExpiresMs?: number;
  /** Publishes awaiting their PubAck at most, across the transport (default 4,096). */
  readonly maxPendingAcks?: number;
  /** How long a PubAck may take before the publish fails (ms, default 10,000; it spans reconnects). */
  readonly publishTimeoutMs?: number;
  /**
   * Fire-and-forget topics: published with core NATS (no stream, no PubAck), lossy when nobody
   * listens. Records with `durable: false` take that path anyway; a subscription with
   * `durable: false` adds its topic here too.
   */
  readonly nonDurableTopics?: readonly string[];
  /**
   * Where connection status goes (see logConnectionStatus: a lost connection and its return as
   * warnings, reconnect attempts at debug). Default: warnings and errors to stderr; a transport
   * made from a URL by createBus logs to the bus's logger.
   */
  readonly logger?: NatsLogger;
}
