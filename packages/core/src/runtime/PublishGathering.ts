import { PartlyPublishedError } from '../errors/PartlyPublishedError.js';
import type { Topic } from '../topic/Topic.js';
import type { PublishTrace } from '../tracing/PublishTrace.js';
import type { OutgoingRecord } from '../transport/Transport.js';
import { now } from '../util/now.js';
import type { Cause } from './currentCause.js';
import type { PublishOptions } from './Publisher.js';
import type { OutgoingMessage, RecordFactory } from './RecordFactory.js';

/**
 * A run of more publish() calls than this is sent in parts of this many, so that one gathering
 * stays bounded. Below it, a turn's calls are one part: a window of 1,000 durable publishes on the
 * log is then one write and one sync per round trip. Parts of 512 (the transport starting on the
 * first while the event loop encodes the rest) cost the same window a second sync in series, and
 * measured ×0.5–0.7 of one part on this 2-core VM's disk.
 */
const maxGathered = 4096;

/** One publish() call waiting for the end of the event loop's turn. */
interface Waiting extends OutgoingMessage<unknown> {
  readonly topic: Topic<unknown>;
  readonly cause: Cause | undefined;
  /** The call's own publish span, when tracing is on. */
  readonly trace: PublishTrace | undefined;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The single publish() calls of one turn of the event loop, sent as one transport call per topic
 * when the turn ends (setImmediate, not a microtask: callers that await their own publish and
 * resume in the same turn, such as a producer awaiting the oldest of a window of promises, are
 * gathered too; a microtask would send each alone). The JSON of all their payloads is one `JSON.stringify`
 * (Codec.encodeAll), and the transport handles one call instead of one per message. Each caller
 * still gets its own outcome: a payload that cannot be encoded or is too large fails its own
 * call only; when the transport rejects, callers whose records it reports stored
 * (PartlyPublishedError) succeed and the others fail; a transport that does not say fails them
 * all. Calls keep their order; flush() sends what waits at once, for a publish that must not
 * overtake them. A long run is sent in parts (see maxGathered). Traced, each call keeps its own
 * span: opened when the call is made, its context put into the call's record, ended with the
 * call's outcome.
 */
export class PublishGathering {
  private waiting: Waiting[] = [];

  constructor(
    private readonly records: RecordFactory,
    private readonly send: (records: OutgoingRecord[]) => Promise<void>,
  ) {}

  /** `payload` is validated already. */
  add(topic: Topic<unknown>, payload: unknown, options: PublishOptions | undefined, cause: Cause | undefined, trace?: PublishTrace): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const length = this.waiting.push({ topic, payload, options, cause, trace, resolve, reject });
      if (length === 1) setImmediate(this.flush);
      else if (length >= maxGathered) this.flush();
    });
  }

  /** Sends what waits, one transport call per topic in the order of their first call. Never throws. */
  readonly flush = (): void => {
    if (this.waiting.length === 0) return;
    const waiting = this.waiting;
    this.waiting = [];
    const timestamp = now();
    for (const [topic, calls] of byTopic(waiting)) this.sendTopic(topic, calls, timestamp);
  };

  private sendTopic(topic: Topic<unknown>, calls: readonly Waiting[], timestamp: number): void {
    const made = this.records.createEach(topic, calls, timestamp);
    const records: OutgoingRecord[] = [];
    const callers: Waiting[] = [];
    for (let i = 0; i < calls.length; i++) {
      const record = made[i]!;
      const call = calls[i]!;
      if (record instanceof Error) {
        call.trace?.fail(record);
        call.reject(record);
      } else {
        records.push(call.trace ? call.trace.carry(record) : record);
        callers.push(call);
      }
    }
    if (records.length === 0) return;
    this.send(records).then(
      () => {
        for (const caller of callers) succeed(caller);
      },
      (error: unknown) => {
        const stored = PartlyPublishedError.storedIdsOf(error);
        for (let i = 0; i < callers.length; i++) {
          if (stored?.has(records[i]!.id)) succeed(callers[i]!);
          else fail(callers[i]!, error);
        }
      },
    );
  }
}

function succeed(call: Waiting): void {
  call.trace?.end();
  call.resolve();
}

function fail(call: Waiting, error: unknown): void {
  call.trace?.fail(error);
  call.reject(error);
}

/** The calls of each topic, topics in the order of their first call. */
function byTopic(waiting: readonly Waiting[]): Map<Topic<unknown>, Waiting[]> {
  const topics = new Map<Topic<unknown>, Waiting[]>();
  for (const call of waiting) {
    const calls = topics.get(call.topic);
    if (calls) calls.push(call);
    else topics.set(call.topic, [call]);
  }
  return topics;
}
