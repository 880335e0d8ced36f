// Where the runtime's time goes: publish alone, the transport's iterate + ack alone, and consume
// through the runtime alone, each over the same 300,000 messages of 100-byte JSON.
// Run: npm run build && node bench/runtime-stages.mjs
import 'reflect-metadata';
import { Actor, createBus, MemoryTransport, silentLogger, Subscribe, topic } from '@hopbus/core';
import { fmt, machineLine } from './machine.mjs';
console.log(machineLine());
const total = 300000;
const payload = (n) => ({ orderId: `order-${String(n).padStart(8, '0')}`, customer: 'c-0001', total: 42.5, note: 'x'.repeat(29) });
const t = topic('s.x');
const transport = new MemoryTransport({ maxRetained: 1e7 });
const bus = await createBus({ transport, logger: silentLogger, env: {} });
let s = performance.now();
for (let i = 0; i < total; i += 1000) { const m = []; for (let j = i; j < i + 1000; j++) m.push({ payload: payload(j) }); await bus.publishBatch(t, m); }
console.log(`bus.publishBatch only (validate, encode, id, append)  ${fmt(Math.round(total / (performance.now() - s) * 1000))} msg/s`);
// raw transport consume
s = performance.now();
const sub = await transport.subscribe('s.x', { group: 'raw', start: 'earliest', maxInFlight: 1024, ackTimeoutMs: 30000 });
let n = 0;
for await (const d of sub) { d.ack(); if (++n === total) break; }
console.log(`MemoryTransport iterate + ack only                   ${fmt(Math.round(total / (performance.now() - s) * 1000))} msg/s`);
let seen = 0, done; const fin = new Promise((r) => (done = r));
class Sink { handle() { if (++seen === total) done(); } }
Subscribe(t, { maxInFlight: 1024 })(Sink.prototype, 'handle', Object.getOwnPropertyDescriptor(Sink.prototype, 'handle'));
Actor('sink')(Sink);
const bus2 = await createBus({ transport, services: [Sink], logger: silentLogger, env: {} });
s = performance.now();
await bus2.start(); await fin;
console.log(`consume through the runtime (decode, mailbox, handler, ack) ${fmt(Math.round(total / (performance.now() - s) * 1000))} msg/s`);
await bus2.stop();

{
  const single = topic('s.single');
  const bus3 = await createBus({ transport: new MemoryTransport({ maxRetained: 1e7 }), logger: silentLogger, env: {} });
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: 1000 }, async () => {
    while (next < total) await bus3.publish(single, payload(next++));
  }));
  console.log(`bus.publish one at a time, 1,000 in flight               ${fmt(Math.round(total / (performance.now() - started) * 1000))} msg/s`);
  await bus3.stop();
}
