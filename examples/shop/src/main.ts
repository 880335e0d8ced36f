import { parseArgs } from 'node:util';
import { HopbusError } from '@hopbus/core';
import { runShop } from './runShop.js';
import { traceShop } from './traceShop.js';

try {
  // `npm start -- --trace`: a waterfall per order, and the flow page.
  // `--orders <n>`: place n orders instead of today's four; `--serve`: then keep handling what
  // the log holds (a killed run's leftovers) until SIGINT or SIGTERM.
  const { values } = parseArgs({ options: { trace: { type: 'boolean' }, orders: { type: 'string' }, serve: { type: 'boolean' } } });
  const options = { orders: values.orders === undefined ? undefined : orderCount(values.orders), serve: values.serve === true };
  const ok = values.trace === true ? await traceShop(options) : await runShop(options);
  process.exitCode = ok ? 0 : 1;
} catch (error) {
  // One clear line, never a stack trace.
  console.error(HopbusError.is(error) ? `hopbus: ${error.message}` : `shop failed: ${(error as Error).message}`);
  process.exitCode = 1;
}

function orderCount(text: string): number {
  const count = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(count)) throw new Error(`--orders takes a whole number of orders (0 or more), not '${text}'.`);
  return count;
}
