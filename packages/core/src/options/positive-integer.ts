import { ConfigurationError } from '../errors/configuration-error.js';

/** `value` when it is a positive safe integer, `fallback` when it is unset; else throws at start-up. */
export function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ConfigurationError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
