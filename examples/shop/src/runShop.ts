import { createBus, silentLogger } from '@hopbus/core';
import { Container } from 'inversify';
import { NotificationService } from './NotificationService.js';
import { OrderService } from './OrderService.js';
import { nextStopSignal } from './nextStopSignal.js';
import { ordersOfTheDay, todaysOrders } from './orders.js';
import { PaymentGateway } from './PaymentGateway.js';
import { PaymentService } from './PaymentService.js';
import { ShippingService } from './ShippingService.js';
import { Story } from './Story.js';

export interface ShopOptions {
  /** A transport URL; `HOPBUS_TRANSPORT` overrides it. Default: the durable log in ./.hopbus/shop. */
  readonly transport?: string;
  readonly print?: (line: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs?: number;
  /** How many orders the shop front places (default 4: today's); past four, the same customers order again under new ids. */
  readonly orders?: number;
  /**
   * After the day's orders have ended, go on handling what the log holds (a killed run's
   * leftovers) until SIGINT or SIGTERM, then drain, stop and return. A signal that comes
   * earlier is acted on once the day's orders have ended. Without it, a signal drains and exits.
   */
  readonly serve?: boolean;
}

/** Runs the shop until every order of the day has ended (shipped or dead-lettered). Returns false on timeout. */
export async function runShop(options: ShopOptions = {}): Promise<boolean> {
  const print = options.print ?? ((line: string) => console.log(line));
  const container = new Container();
  container.bind(Story).toConstantValue(new Story(print));
  container.bind(PaymentGateway).toSelf().inSingletonScope();
  const bus = await createBus({
    transport: options.transport ?? 'log:./.hopbus/shop',
    env: options.env ?? process.env,
    services: [OrderService, PaymentService, ShippingService, NotificationService],
    container,
    logger: silentLogger,
  });
  const orders = ordersOfTheDay(options.orders ?? todaysOrders.length);
  print(`hopbus shop on the ${bus.transport.kind} transport: ${orders.length} orders today`);
  const serving = options.serve === true ? nextStopSignal() : undefined;
  const removeSignalHandlers = serving?.cancel ?? bus.stopOnSignals({ timeoutMs: 5000 });
  await bus.start();
  const front = container.get(OrderService);
  for (const order of orders) await front.place(order);
  const story = container.get(Story);
  const allEnded = await story.untilEnded(
    orders.map((o) => o.orderId),
    options.timeoutMs ?? 20_000,
  );
  if (serving) {
    print('Serving: handling what the log still holds until SIGINT or SIGTERM.');
    print(`${await serving.received}: draining.`);
  }
  await bus.stop({ timeoutMs: 5000 });
  removeSignalHandlers();
  print(allEnded ? 'Every order reached its end. The bus drained and stopped.' : 'Some orders did not reach their end in time; they wait in the log for the next run.');
  return allEnded;
}
