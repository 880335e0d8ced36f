import type { JsMsg } from '@nats-io/jetstream';
import { connect, headers as natsHeaders } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { NatsServer, waitUntil } from '@hopbus/testing';
import type { CoreMessage } from '../src/coreSource.js';
import { coreSource } from '../src/coreSource.js';
import { jetStreamSource } from '../src/jetStreamSource.js';
import type { MessageSink } from '../src/MessageSource.js';
import type { ResumingPull } from '../src/ResumingPull.js';

// The two sources a NatsSubscription reads from, each on its own: core NATS against a real
// nats-server, and the JetStream source's mapping of settlements onto the message (the pull it
// wraps has its own tests).

/** A sink that keeps what the source gives it. */
class KeepingSink<M> implements MessageSink<M> {
  readonly pushed: M[] = [];
  readonly ends: (Error | undefined)[] = [];
  push(message: M): void {
    this.pushed.push(message);
  }
  end(error?: Error): void {
    this.ends.push(error);
  }
}

const owner = { settle: () => undefined, touch: () => undefined };
const encoder = new TextEncoder();

describe('coreSource, on a real nats-server', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  beforeAll(async () => {
    server = await NatsServer.start({
      extraConfig: 'authorization { users = [ { user: app, password: pw, permissions: { subscribe: { deny: "secret.>" } } } ] }',
    });
  });
  afterAll(async () => server.dispose());
  beforeEach(async () => (nc = await connect({ servers: server.url, user: 'app', pass: 'pw' })));
  afterEach(async () => nc.close());

  it('pushes what is published to its topic, counting the messages it received, each a first delivery', async () => {
    const source = coreSource(nc, 'core.a', 'g');
    const sink = new KeepingSink<CoreMessage>();
    source.start(sink);
    await nc.flush();
    const h = natsHeaders();
    h.set('Nats-Msg-Id', 'id-1');
    nc.publish('core.a', encoder.encode('one'), { headers: h });
    nc.publish('core.a', encoder.encode('two'));
    nc.publish('core.other', encoder.encode('not for it'));
    await waitUntil('two messages pushed', () => sink.pushed.length === 2);
    expect(sink.pushed.map((m) => [m.offset, m.deliveryCount])).toEqual([[1, 1], [2, 1]]);
    const delivery = source.toDelivery(sink.pushed[0]!, owner, 1234);
    expect([delivery.topic, delivery.id, new TextDecoder().decode(delivery.data), delivery.offset, delivery.deliveryCount, delivery.deadline]).toEqual([
      'core.a',
      'id-1',
      'one',
      1,
      1,
      1234,
    ]);
    expect(delivery.message).toBe(sink.pushed[0]);
    source.stop();
  });

  it('shares a topic between the sources of one group: each message reaches one of them', async () => {
    const sinks = [new KeepingSink<CoreMessage>(), new KeepingSink<CoreMessage>()];
    const sources = sinks.map((sink) => {
      const source = coreSource(nc, 'core.shared', 'g');
      source.start(sink);
      return source;
    });
    await nc.flush();
    for (let n = 0; n < 50; n++) nc.publish('core.shared', encoder.encode(String(n)));
    await waitUntil('every message pushed once', () => sinks[0]!.pushed.length + sinks[1]!.pushed.length === 50);
    await nc.flush();
    expect(sinks[0]!.pushed.length + sinks[1]!.pushed.length).toBe(50);
    for (const source of sources) source.stop();
  });

  it('hands a nacked message back after the delay with one delivery more; ack, term and working do nothing', async () => {
    const source = coreSource(nc, 'core.nack', 'g');
    const sink = new KeepingSink<CoreMessage>();
    source.start(sink);
    await nc.flush();
    nc.publish('core.nack', encoder.encode('x'));
    await waitUntil('the message pushed', () => sink.pushed.length === 1);
    const first = sink.pushed[0]!;
    expect([...(source.inert ?? [])].sort()).toEqual(['ack', 'term', 'working']);
    for (const how of ['ack', 'term', 'working'] as const) source.settle(first, how, 0);
    source.settle(first, 'nack', 30);
    expect(sink.pushed).toHaveLength(1); // not before the delay
    await waitUntil('the nacked message back', () => sink.pushed.length === 2);
    expect(sink.pushed[1]).toEqual({ ...first, deliveryCount: 2 });
    source.settle(sink.pushed[1]!, 'nack', 0);
    await waitUntil('back again', () => sink.pushed.length === 3);
    expect(sink.pushed[2]!.deliveryCount).toBe(3);
    source.stop();
  });

  it('on stop unsubscribes and ends its sink once; a nack due after it is dropped, and nothing more arrives', async () => {
    const source = coreSource(nc, 'core.stop', 'g');
    const sink = new KeepingSink<CoreMessage>();
    source.start(sink);
    await nc.flush();
    nc.publish('core.stop', encoder.encode('x'));
    await waitUntil('the message pushed', () => sink.pushed.length === 1);
    const subjects = async (): Promise<string[]> => {
      await nc.flush();
      const connz = (await fetch(`http://127.0.0.1:${server.httpPort}/connz?subs=1`).then((r) => r.json())) as { connections: { subscriptions_list?: string[] }[] };
      return connz.connections.flatMap((c) => c.subscriptions_list ?? []);
    };
    expect(await subjects()).toContain('core.stop');
    source.settle(sink.pushed[0]!, 'nack', 20);
    source.stop();
    source.stop();
    expect(sink.ends).toEqual([undefined]);
    expect(await subjects()).not.toContain('core.stop'); // unsubscribed on the server too
    nc.publish('core.stop', encoder.encode('y'));
    await nc.flush();
    await new Promise((resolve) => setTimeout(resolve, 60)); // a later timer than the nack's: that one has fired by then, and pushed nothing
    expect(sink.pushed).toHaveLength(1);
    await expect(source.release([sink.pushed[0]!])).resolves.toBeUndefined();
    expect(sink.ends).toEqual([undefined]);
  });

  it('can be stopped before it was started', () => {
    const source = coreSource(nc, 'core.never', 'g');
    expect(() => source.stop()).not.toThrow();
  });

  it('ends its sink when the connection closes, and with the error when the server refuses the subscription', async () => {
    const closing = coreSource(nc, 'core.closing', 'g');
    const closingSink = new KeepingSink<CoreMessage>();
    closing.start(closingSink);
    const refused = coreSource(nc, 'secret.topic', 'g');
    const refusedSink = new KeepingSink<CoreMessage>();
    refused.start(refusedSink);
    await waitUntil('the refused subscription ended', () => refusedSink.ends.length === 1);
    expect(refusedSink.ends[0]).toBeInstanceOf(Error);
    expect(refusedSink.pushed).toEqual([]);
    expect(String(refusedSink.ends[0])).toMatch(/permission/i);
    expect(closingSink.ends).toEqual([]);
    await nc.close();
    await waitUntil('the other ended', () => closingSink.ends.length === 1);
    expect(closingSink.ends).toEqual([undefined]);
    closing.stop(); // stopping after the end is quiet
    expect(closingSink.ends).toHaveLength(1);
  });
});

describe('jetStreamSource', () => {
  /** A JetStream message that records what is done to it. */
  function messageThat(done: string[], seq = 7, deliveryCount = 3): JsMsg {
    return {
      subject: 'js.t',
      seq,
      data: encoder.encode('d'),
      info: { deliveryCount },
      headers: undefined,
      ack: () => done.push('ack'),
      nak: (delay?: number) => done.push(`nak ${String(delay)}`),
      term: () => done.push('term'),
      working: () => done.push('working'),
    } as unknown as JsMsg;
  }

  it('maps each settlement onto the message: a nack with no delay asks for none', () => {
    const done: string[] = [];
    const source = jetStreamSource({} as ResumingPull);
    const m = messageThat(done);
    source.settle(m, 'ack', 0);
    source.settle(m, 'nack', 0);
    source.settle(m, 'nack', 250);
    source.settle(m, 'term', 0);
    source.settle(m, 'working', 0);
    expect(done).toEqual(['ack', 'nak undefined', 'nak 250', 'term', 'working']);
    expect(source.inert).toBeUndefined();
  });

  it('makes a delivery of the stream sequence and the server\'s delivery count', () => {
    const source = jetStreamSource({} as ResumingPull);
    const m = messageThat([], 42, 5);
    const delivery = source.toDelivery(m, owner, 99);
    expect([delivery.topic, delivery.offset, delivery.deliveryCount, delivery.deadline, delivery.message]).toEqual(['js.t', 42, 5, 99, m]);
  });

  it('naks at once every message it gives back', async () => {
    const done: string[] = [];
    const source = jetStreamSource({} as ResumingPull);
    await source.release([messageThat(done), messageThat(done)]);
    expect(done).toEqual(['nak undefined', 'nak undefined']);
  });

  it('starts and stops the pull it wraps', () => {
    const calls: unknown[] = [];
    const pull = { start: (sink: unknown) => calls.push(['start', sink]), stop: () => calls.push('stop') } as unknown as ResumingPull;
    const source = jetStreamSource(pull);
    const sink = new KeepingSink<JsMsg>();
    source.start(sink);
    source.stop();
    expect(calls).toEqual([['start', sink], 'stop']);
  });
});
