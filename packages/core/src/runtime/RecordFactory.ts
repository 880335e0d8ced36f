import { HopbusError } from '../errors/HopbusError.js';
import type { Topic } from '../topic/Topic.js';
import type { OutgoingRecord } from '../transport/Transport.js';
import { newMessageId } from '../util/newMessageId.js';
import { now } from '../util/now.js';
import type { Cause } from './currentCause.js';
import { headerNames } from './headerNames.js';
import type { PublishOptions } from './Publisher.js';
import { validatePayload } from './validatePayload.js';

/** One message of a batch: its payload and how to publish it. */
export interface OutgoingMessage<T> {
  readonly payload: T;
  readonly options?: PublishOptions;
}

/** Shared by every record published without headers: frozen, since nothing may write into a record's headers. */
const noHeaders: Readonly<Record<string, string>> = Object.freeze({});

/** Turns a payload into a record: validate, encode, check the size, stamp id and headers. */
export class RecordFactory {
  constructor(readonly maxMessageBytes: number) {}

  /**
   * The records of many messages of one topic, sharing `timestamp`; the codec encodes them
   * together when it can (Codec.encodeAll). Throws on the first message that is not valid.
   */
  createAll<T>(topic: Topic<T>, messages: readonly OutgoingMessage<T>[], cause: Cause | undefined, timestamp: number): OutgoingRecord[] | Promise<OutgoingRecord[]> {
    const payloads: T[] = [];
    for (let i = 0; i < messages.length; i++) {
      const validated = validatePayload(topic.name, topic.schema, messages[i]!.payload);
      if (validated instanceof Promise) {
        return this.validateRest(topic, messages, payloads, validated).then((all) => this.recordsOf(topic, messages, all, cause, now()));
      }
      payloads.push(validated);
    }
    return this.recordsOf(topic, messages, payloads, cause, timestamp);
  }

  /** Waits for `pending` (the validation of messages[payloads.length]), then validates the rest in order. */
  private async validateRest<T>(topic: Topic<T>, messages: readonly OutgoingMessage<T>[], payloads: T[], pending: Promise<T>): Promise<T[]> {
    payloads.push(await pending);
    while (payloads.length < messages.length) payloads.push(await validatePayload(topic.name, topic.schema, messages[payloads.length]!.payload));
    return payloads;
  }

  private recordsOf<T>(topic: Topic<T>, messages: readonly OutgoingMessage<T>[], payloads: readonly T[], cause: Cause | undefined, timestamp: number): OutgoingRecord[] {
    const made = this.make(topic, payloads, (i) => messages[i]!.options, () => cause, timestamp);
    for (const record of made) if (record instanceof Error) throw record;
    return made as OutgoingRecord[];
  }

  /**
   * The record of each message (validated already), or the error that kept it from being one:
   * messages fail one by one here, not as a batch. Each message has its own cause.
   */
  createEach(topic: Topic<unknown>, messages: readonly (OutgoingMessage<unknown> & { readonly cause: Cause | undefined })[], timestamp: number): (OutgoingRecord | Error)[] {
    return this.make(
      topic,
      messages.map((m) => m.payload),
      (i) => messages[i]!.options,
      (i) => messages[i]!.cause,
      timestamp,
    );
  }

  /** The record of each payload or its error; the codec encodes them together when it can (Codec.encodeAll). */
  private make<T>(
    topic: Topic<T>,
    payloads: readonly T[],
    optionsAt: (i: number) => PublishOptions | undefined,
    causeAt: (i: number) => Cause | undefined,
    timestamp: number,
  ): (OutgoingRecord | Error)[] {
    const encoded = payloads.length > 1 ? topic.codec.encodeAll?.(payloads) : undefined;
    const made: (OutgoingRecord | Error)[] = new Array<OutgoingRecord | Error>(payloads.length);
    for (let i = 0; i < payloads.length; i++) {
      try {
        const data = encoded ? this.checkSize(topic, encoded[i]!) : this.encode(topic, payloads[i]!);
        made[i] = this.record(topic, data, optionsAt(i), causeAt(i), timestamp);
      } catch (error) {
        made[i] = error instanceof Error ? error : new Error(String(error));
      }
    }
    return made;
  }

  private encode<T>(topic: Topic<T>, payload: T): Uint8Array {
    let data: Uint8Array;
    try {
      data = topic.codec.encode(payload);
    } catch (error) {
      throw new HopbusError('decode', `A message for ${topic.name} could not be encoded: ${(error as Error).message}.`, { cause: error });
    }
    return this.checkSize(topic, data);
  }

  private checkSize(topic: Topic<unknown>, data: Uint8Array): Uint8Array {
    if (data.byteLength > this.maxMessageBytes) {
      throw new HopbusError(
        'message_too_large',
        `A message for ${topic.name} is ${data.byteLength} bytes, over the limit of ${this.maxMessageBytes}. Send a reference to the data instead, or raise maxMessageBytes in createBus().`,
      );
    }
    return data;
  }

  private record(topic: Topic<unknown>, data: Uint8Array, options: PublishOptions | undefined, cause: Cause | undefined, timestamp: number): OutgoingRecord {
    // One literal, one shape for every record: durable and fire-and-forget alike.
    return {
      id: options?.id ?? newMessageId(timestamp),
      topic: topic.name,
      key: options?.key,
      headers: this.headers(options?.headers, cause),
      data,
      timestamp,
      durable: topic.durable,
    };
  }

  private headers(given: Readonly<Record<string, string>> | undefined, cause: Cause | undefined): Readonly<Record<string, string>> {
    if (given === undefined && cause === undefined) return noHeaders;
    const headers: Record<string, string> = {};
    if (given) {
      for (const name of Object.keys(given)) {
        const value = given[name];
        if (typeof value !== 'string') throw new HopbusError('config', `Header ${JSON.stringify(name)} must be a string.`);
        headers[name.toLowerCase()] = value;
      }
    }
    if (cause) {
      headers[headerNames.correlationId] = cause.correlationId;
      headers[headerNames.causationId] = cause.id;
    }
    return headers;
  }
}
