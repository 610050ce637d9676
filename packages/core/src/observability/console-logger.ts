import type { Logger } from './logger.js';

/**
 * The logger used when none is given: warnings and errors to the console, so that a missing
 * migration, an unreachable store, a dead letter or a payload that misses its schema is never
 * silent; info and debug stay quiet. Secrets never reach a log line in the first place.
 */
export const consoleLogger: Logger = {
  warn(fields, message) {
    console.warn(`[passfort-webhooks] ${message ?? ''}`, fields);
  },
  error(fields, message) {
    console.error(`[passfort-webhooks] ${message ?? ''}`, fields);
  },
};

/** The logger an option asks for: the given one, none (`false`), or {@link consoleLogger}. */
export function resolveLogger(option: Logger | false | undefined): Logger {
  if (option === false) return {};
  return option ?? consoleLogger;
}
