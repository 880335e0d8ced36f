import { HopbusError } from '@hopbus/core';

/** A whole number >= `min` given to `option`; throws `config` naming the option otherwise. */
export function parseCount(option: string, value: string, min = 0): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new HopbusError('config', `${option} must be a whole number >= ${min}, not ${JSON.stringify(value)}.`);
  return n;
}
