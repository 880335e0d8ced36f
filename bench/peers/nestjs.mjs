// NestJS as a peer, over core NATS: the producer is a ClientProxy whose emit() is awaited with
// lastValueFrom, a window of them in flight; the consumer, in a second process, is a NestJS
// microservice whose controller takes the subject with @EventPattern. Plain JavaScript, so the
// decorators are applied as the functions they are (Reflect.decorate), as TypeScript emits them.
import { isConsumerProcess, serveConsumer, spawnConsumer, timeEndToEnd } from './consumerProcess.mjs';
import { requirePeer } from './peerModules.mjs';

requirePeer('reflect-metadata');
const { ClientProxyFactory, Transport } = requirePeer('@nestjs/microservices');
const { lastValueFrom } = requirePeer('rxjs');

const SUBJECT = 'bench.nestjs.orders';

/** Publishes `total` events, `window` in flight; the rate until the consumer has them all. */
export async function endToEnd({ url, total, window, payload }) {
  const consumer = await spawnConsumer(import.meta.url, { name: 'NestJS', url, total });
  const client = ClientProxyFactory.create({ transport: Transport.NATS, options: { servers: [url] } });
  try {
    await client.connect();
    return await timeEndToEnd(consumer, { total, window, payload }, () => lastValueFrom(client.emit(SUBJECT, payload)));
  } finally {
    await client.close();
    await consumer.stop();
  }
}

async function subscribe({ url }, onMessage) {
  const { Controller, Module } = requirePeer('@nestjs/common');
  const { NestFactory } = requirePeer('@nestjs/core');
  const { EventPattern } = requirePeer('@nestjs/microservices');

  class OrdersController {
    onOrder(order) {
      onMessage(order);
    }
  }
  Reflect.decorate([EventPattern(SUBJECT)], OrdersController.prototype, 'onOrder', Object.getOwnPropertyDescriptor(OrdersController.prototype, 'onOrder'));
  Reflect.decorate([Controller()], OrdersController);
  class OrdersModule {}
  Reflect.decorate([Module({ controllers: [OrdersController] })], OrdersModule);

  const app = await NestFactory.createMicroservice(OrdersModule, { transport: Transport.NATS, options: { servers: [url] }, logger: false });
  await app.listen();
  // The server has processed the subscription once it answers a ping sent after it.
  await app.unwrap().flush();
  return () => app.close();
}

if (isConsumerProcess(import.meta.url)) await serveConsumer(subscribe);
