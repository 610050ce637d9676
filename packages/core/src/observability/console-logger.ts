import type { Logger } from './logger.js';

/**
 * The logger used when none is given: warnings and errors to the console, so that a missing
 * migration, an unreachable store, a dead letter or a payload that misses its schema is never
 * silent; info and debug stay quiet. Secrets never reach a log line in the first place.
 *
 * One line per event, the fields as JSON after the message, so that a log collector reading
 * stdout line by line keeps each event whole (`console.warn(text, fields)` would print the
 * fields as a multi-line block).
 */
export const consoleLogger: Logger = {
  warn(fields, message) {
    console.warn(logLine(fields, message));
  },
  error(fields, message) {
    console.error(logLine(fields, message));
  },
};

/** `[passfort-webhooks] message {"field":"value"}`: one event, one line. */
export function logLine(fields: Record<string, unknown>, message = ''): string {
  let json: string;
  try {
    json = JSON.stringify(fields, (_key, value: unknown) =>
      typeof value === 'bigint' ? value.toString() : value,
    );
  } catch {
    json = '{"fields":"unserializable"}';
  }
  return json === '{}'
    ? `[passfort-webhooks] ${message}`
    : `[passfort-webhooks] ${message} ${json}`;
}

/** The logger an option asks for: the given one, none (`false`), or {@link consoleLogger}. */
export function resolveLogger(option: Logger | false | undefined): Logger {
  if (option === false) return {};
  return option ?? consoleLogger;
}

/**
 * Where an adapter hands a receiver its framework's logger (Nest's `Logger`, Fastify's
 * `request.log`): a function on the receiver, present only while the receiver still logs to
 * the default console logger because the app passed no `logger`. A registered symbol, so an
 * adapter reaches it without importing core's internals. It returns whether the logger was
 * taken: the first adapter wins, and a logger the app chose is never replaced.
 */
export const ADOPT_LOGGER = Symbol.for('@passfort-webhooks/core:adopt-logger');

/**
 * The default logger of a receiver: {@link consoleLogger} until an adapter gives it the
 * framework's logger with `adopt`. Its levels are replaced in place, so every part of the
 * receiver that was handed this object logs through the framework from then on; a level the
 * framework's logger lacks is removed, so that callers checking `logger.info !== undefined`
 * skip building its fields.
 */
export function adoptableLogger(): Logger & { adopt(logger: Logger): boolean } {
  let adopted = false;
  const logger: Logger & { adopt(logger: Logger): boolean } = {
    ...consoleLogger,
    adopt(framework) {
      if (adopted) return false;
      adopted = true;
      for (const level of ['debug', 'info', 'warn', 'error'] as const) {
        const write = framework[level];
        if (write === undefined) delete logger[level];
        else logger[level] = write.bind(framework);
      }
      return true;
    },
  };
  return logger;
}
