// A quick look at the two Node peers alone: node bench/peers/try.mjs (after npm run build).
// One private nats-server on 127.0.0.1, 200,000 ~100-byte JSON events, a window of 1,000.
import { NatsServer } from '@hopbus/testing';
import { endToEnd as moleculer } from './moleculer.mjs';
import { endToEnd as nestjs } from './nestjs.mjs';

const total = Number(process.env.BENCH_TOTAL ?? 200_000);
const window = 1_000;
const payload = { orderId: 'o-0000000001', amount: 1234, currency: 'EUR', note: 'x'.repeat(33) };

const server = await NatsServer.start();
try {
  console.log(`${total} events of ${JSON.stringify(payload).length} bytes, window ${window}, nats-server at ${server.url}`);
  for (const [name, endToEnd] of [['NestJS', nestjs], ['Moleculer', moleculer]]) {
    const { msgPerSec } = await endToEnd({ url: server.url, total, window, payload });
    console.log(`${name.padEnd(10)} ${Math.round(msgPerSec).toLocaleString('en-US').padStart(9)} msg/s end to end`);
  }
} finally {
  await server.dispose();
}
