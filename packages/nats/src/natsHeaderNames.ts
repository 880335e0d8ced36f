/**
 * The NATS header names the transport itself writes. Record headers never collide with them:
 * a record header whose name matches one of these (any case), or starts with `nats-`, travels
 * with an encoded name (see encodeRecordHeaders).
 */
export const natsHeaderNames = {
  /** The record id: JetStream deduplicates on it within the stream's duplicate window. */
  id: 'Nats-Msg-Id',
  /** The record key, when it has one. */
  key: 'Hopbus-Key',
  /** The record timestamp, ms since the epoch, as decimal digits. */
  timestamp: 'Hopbus-Timestamp',
} as const;
