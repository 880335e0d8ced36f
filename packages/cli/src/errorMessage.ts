import { HopbusError } from '@hopbus/core';

/**
 * One line that says what went wrong, for `hopbus: <line>`. A HopbusError's message is shown as
 * it is (it already says what to do); a system error keeps its code and path; anything else is
 * summarized with a hint to get the stack.
 */
export function errorMessage(error: unknown): string {
  if (HopbusError.is(error)) return oneLine(error.message);
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('E')) return oneLine(error.message);
    return oneLine(`unexpected ${error.name}: ${error.message} (set HOPBUS_DEBUG=1 for the stack)`);
  }
  return oneLine(`unexpected error: ${String(error)} (set HOPBUS_DEBUG=1 for the stack)`);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
