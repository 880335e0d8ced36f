/** Options of one publish. */
export interface PublishOptions {
  /** Picks the partition and the receiving mailbox: messages with one key keep their order. */
  readonly key?: string;
  /** Extra headers; names are lower-cased. Names starting with `hopbus-` are reserved. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Unique id (a UUIDv7 is made when absent): transports that deduplicate use it. */
  readonly id?: string;
}

/** Publishes to one topic. Injected into fields marked `@Publishes(topic)`. */
export interface Publisher<T> {
  readonly topic: string;
  /** Resolves once the transport holds the message durably. */
  publish(payload: T, options?: PublishOptions): Promise<void>;
  /** One transport call for many messages; resolves once all are held. */
  publishBatch(messages: readonly { readonly payload: T; readonly options?: PublishOptions }[]): Promise<void>;
}
