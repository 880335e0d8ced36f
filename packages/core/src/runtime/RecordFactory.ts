import { HopbusError } from '../errors/HopbusError.js';
import type { Topic } from '../topic/Topic.js';
import type { OutgoingRecord } from '../transport/Transport.js';
import { newMessageId } from '../util/newMessageId.js';
import { now } from '../util/now.js';
import type { Cause } from './currentCause.js';
import { headerNames } from './headerNames.js';
import type { PublishOptions } from './Publisher.js';
import { validatePayload } from './validatePayload.js';

/** Shared by every record published without headers: frozen, since nothing may write into a record's headers. */
const noHeaders: Readonly<Record<string, string>> = Object.freeze({});

/** Turns a payload into a record: validate, encode, check the size, stamp id and headers. */
export class RecordFactory {
  constructor(readonly maxMessageBytes: number) {}

  /**
   * Synchronous unless the topic's schema validates asynchronously. Throws HopbusError on bad
   * input. `timestamp`: the publish time, when the caller read the clock once for many records.
   */
  create<T>(topic: Topic<T>, payload: T, options: PublishOptions | undefined, cause: Cause | undefined, timestamp?: number): OutgoingRecord | Promise<OutgoingRecord> {
    const validated = validatePayload(topic.name, topic.schema, payload);
    return validated instanceof Promise
      ? validated.then((value) => this.encode(topic, value, options, cause, undefined))
      : this.encode(topic, validated, options, cause, timestamp);
  }

  private encode<T>(topic: Topic<T>, payload: T, options: PublishOptions | undefined, cause: Cause | undefined, timestamp = now()): OutgoingRecord {
    let data: Uint8Array;
    try {
      data = topic.codec.encode(payload);
    } catch (error) {
      throw new HopbusError('decode', `A message for ${topic.name} could not be encoded: ${(error as Error).message}.`, { cause: error });
    }
    if (data.byteLength > this.maxMessageBytes) {
      throw new HopbusError(
        'message_too_large',
        `A message for ${topic.name} is ${data.byteLength} bytes, over the limit of ${this.maxMessageBytes}. Send a reference to the data instead, or raise maxMessageBytes in createBus().`,
      );
    }
    const record: OutgoingRecord = {
      id: options?.id ?? newMessageId(timestamp),
      topic: topic.name,
      key: options?.key,
      headers: this.headers(options?.headers, cause),
      data,
      timestamp,
    };
    return topic.durable ? record : { ...record, durable: false };
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
