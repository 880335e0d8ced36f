import { HopbusError } from '../errors/HopbusError.js';

/** The `error.type` of a failure: the HopbusError code, else the error's class name, else `typeof`. */
export function errorType(error: unknown): string {
  if (HopbusError.is(error)) return error.code;
  return error instanceof Error ? error.name : typeof error;
}
