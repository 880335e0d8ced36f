import { Actor, createBus, MemoryTransport, silentLogger, Subscribe, topic, tracingAttributes as attr } from '@hopbus/core';
import type { MessageContext } from '@hopbus/core';
import { captureSpans } from '@hopbus/tracing';
import type { FlowSpan } from '@hopbus/tracing';
import { waitFor } from './waitFor.js';

// Every attribute the publish and process spans carry, on memory with a real SDK: what tools over
// traces read (hopbus flow, the dashboard) and what the messaging conventions name.

const Orders = topic<{ n: number }>('attrs.orders', { deadLetter: 'attrs.orders.dlq' });

describe('the attributes of hopbus spans', () => {
  it('names the publish: system, topic, operation, id, size, key and conversation of a single message', async () => {
    const capture = captureSpans();
    const seen: MessageContext[] = [];
    @Actor('attrs-a')
    class Reader {
      @Subscribe(Orders, { group: 'readers' })
      read(_order: { n: number }, ctx: MessageContext): void {
        seen.push(ctx);
      }
    }
    const bus = await createBus({ transport: new MemoryTransport(), services: [Reader], logger: silentLogger });
    try {
      await bus.start();
      await bus.publish(Orders, { n: 1 }, { key: 'k1' });
      await bus.publish(Orders, { n: 2 });
      await waitFor('both read', () => seen.length === 2);
      await waitFor('four spans', () => capture.spans().length === 4);
      const spans = capture.flowSpans();
      const publishes = spans.filter((s) => s.kind === 'producer');
      const [keyed, keyless] = [publishes.find((s) => s.attributes[attr.key] === 'k1')!, publishes.find((s) => s.attributes[attr.key] === undefined)!];
      expect(keyed.attributes).toEqual({
        [attr.system]: 'hopbus.memory',
        [attr.destination]: 'attrs.orders',
        [attr.operationType]: 'publish',
        [attr.operationName]: 'send',
        [attr.messageId]: seen.find((c) => c.key === 'k1')!.id,
        [attr.bodySize]: 7,
        [attr.key]: 'k1',
      });
      expect(keyless.attributes[attr.key]).toBeUndefined();

      const processes = spans.filter((s) => s.kind === 'consumer');
      const process = processes.find((s) => s.attributes[attr.key] === 'k1')!;
      const ctx = seen.find((c) => c.key === 'k1')!;
      expect(process.name).toBe('process attrs.orders');
      expect(process.attributes).toEqual({
        [attr.system]: 'hopbus.memory',
        [attr.destination]: 'attrs.orders',
        [attr.operationType]: 'process',
        [attr.operationName]: 'process',
        [attr.messageId]: ctx.id,
        [attr.bodySize]: 7,
        [attr.consumerGroup]: 'readers',
        [attr.partition]: '0',
        [attr.offset]: expect.any(Number),
        [attr.deliveryCount]: 1,
        [attr.actor]: 'attrs-a',
        [attr.handler]: 'read',
        [attr.key]: 'k1',
        [attr.conversationId]: ctx.id, // no correlation header: the message starts the conversation
      });
      expect(processes.find((s) => s !== process)!.attributes[attr.key]).toBeUndefined();
    } finally {
      await bus.stop();
      await capture.shutdown();
    }
  });

  it('carries the conversation of a message published inside a handler, and the original topic and a dead-letter link on the dead letter', async () => {
    const capture = captureSpans();
    const Followups = topic<{ n: number }>('attrs.followups');
    const dead: MessageContext[] = [];
    @Actor('attrs-b')
    class Relay {
      @Subscribe(Orders, { retry: { attempts: 1 } })
      async relay(order: { n: number }, ctx: MessageContext): Promise<void> {
        await ctx.publish(Followups, order);
        throw new Error('then fails');
      }
      @Subscribe(Followups)
      follow(): void {}
      @Subscribe(topic<{ n: number }>('attrs.orders.dlq'))
      bury(_order: { n: number }, ctx: MessageContext): void {
        dead.push(ctx);
      }
    }
    const bus = await createBus({ transport: new MemoryTransport(), services: [Relay], logger: silentLogger });
    try {
      await bus.start();
      await bus.publish(Orders, { n: 5 });
      await waitFor('the dead letter read', () => dead.length === 1);
      await waitFor('every span', () => capture.spans().length >= 6);
      const spans = capture.flowSpans();
      const byName = (name: string): FlowSpan[] => spans.filter((s) => s.name === name);
      const first = byName('publish attrs.orders')[0]!;
      const followup = byName('publish attrs.followups')[0]!;
      expect(followup.attributes[attr.conversationId]).toBe(first.attributes[attr.messageId]);
      const deadLetter = byName('publish attrs.orders.dlq')[0]!;
      expect(deadLetter.attributes[attr.originalTopic]).toBe('attrs.orders');
      expect(deadLetter.attributes[attr.conversationId]).toBeUndefined(); // the failed message carried no correlation
      const failed = byName('process attrs.orders')[0]!;
      expect(failed.status).toBe('error');
      expect(deadLetter.links).toEqual([{ traceId: failed.traceId, spanId: failed.spanId, attributes: { [attr.linkReason]: 'dead_letter' } }]);
      expect(deadLetter.parentSpanId).toBe(failed.spanId);
      expect(first.attributes[attr.originalTopic]).toBeUndefined();
      expect(first.attributes[attr.conversationId]).toBeUndefined();
    } finally {
      await bus.stop();
      await capture.shutdown();
    }
  });

  it('records nothing and adds no header once the SDK is shut down', async () => {
    const capture = captureSpans();
    await capture.shutdown();
    const seen: MessageContext[] = [];
    @Actor('attrs-c')
    class Reader {
      @Subscribe(topic<{ n: number }>('attrs.off'))
      read(_order: { n: number }, ctx: MessageContext): void {
        seen.push(ctx);
      }
    }
    const bus = await createBus({ transport: new MemoryTransport(), services: [Reader], logger: silentLogger });
    try {
      await bus.start();
      await bus.publish(topic<{ n: number }>('attrs.off'), { n: 1 });
      await waitFor('read', () => seen.length === 1);
      expect(seen[0]!.headers['traceparent']).toBeUndefined();
      expect(capture.spans()).toEqual([]);
    } finally {
      await bus.stop();
    }
  });
});
