import { HopbusError } from '@hopbus/core';
import { runShop } from './runShop.js';

try {
  const ok = await runShop();
  process.exitCode = ok ? 0 : 1;
} catch (error) {
  // One clear line, never a stack trace.
  console.error(HopbusError.is(error) ? `hopbus: ${error.message}` : `shop failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
