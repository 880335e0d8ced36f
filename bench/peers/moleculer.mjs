// Moleculer as a peer, over core NATS: the producer is a broker whose emit() is awaited, a window
// of them in flight; the consumer, in a second process, is a broker with a service whose event
// handler takes the event. Both brokers use the NATS transporter with Moleculer's defaults
// (JSON serializer, built-in balancer), logging off.
import { isConsumerProcess, serveConsumer, spawnConsumer, timeEndToEnd } from './consumerProcess.mjs';
import { requirePeer } from './peerModules.mjs';

const { ServiceBroker } = requirePeer('moleculer');

const EVENT = 'bench.orders';
const SERVICE = 'bench-orders';

/** Emits `total` events, `window` in flight; the rate until the consumer has them all. */
export async function endToEnd({ url, total, window, payload }) {
  const consumer = await spawnConsumer(import.meta.url, { name: 'Moleculer', url, total });
  const broker = new ServiceBroker({ nodeID: `bench-producer-${process.pid}`, transporter: url, logger: false });
  try {
    await broker.start();
    // emit() goes to the nodes this broker knows to handle the event: wait until it knows the consumer.
    await broker.waitForServices(SERVICE, 30_000);
    return await timeEndToEnd(consumer, { total, window, payload }, () => broker.emit(EVENT, payload));
  } finally {
    await broker.stop();
    await consumer.stop();
  }
}

async function subscribe({ url }, onMessage) {
  const broker = new ServiceBroker({ nodeID: `bench-consumer-${process.pid}`, transporter: url, logger: false });
  broker.createService({
    name: SERVICE,
    events: {
      [EVENT](ctx) {
        onMessage(ctx.params);
      },
    },
  });
  // start() subscribes before it announces the service, on the same connection: a producer that
  // has seen the announcement publishes after the server has the subscription.
  await broker.start();
  return () => broker.stop();
}

if (isConsumerProcess(import.meta.url)) await serveConsumer(subscribe);
