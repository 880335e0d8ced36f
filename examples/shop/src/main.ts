import { HopbusError } from '@hopbus/core';
import { runShop } from './runShop.js';
import { traceShop } from './traceShop.js';

try {
  // `npm start -- --trace`: a waterfall per order, and the flow page.
  const ok = process.argv.includes('--trace') ? await traceShop() : await runShop();
  process.exitCode = ok ? 0 : 1;
} catch (error) {
  // One clear line, never a stack trace.
  console.error(HopbusError.is(error) ? `hopbus: ${error.message}` : `shop failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
