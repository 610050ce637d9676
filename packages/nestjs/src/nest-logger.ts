import { Logger } from '@nestjs/common';
import type { PassfortWebhooks } from '@passfort-webhooks/core';

/** Where a receiver's core takes an adapter's logger (see core's console-logger.ts). */
const ADOPT_LOGGER = Symbol.for('@passfort-webhooks/core:adopt-logger');

type PinoStyle = (fields: Record<string, unknown>, message?: string) => void;

/** The receiver's `(fields, message)` as one Nest log line: the message, then the fields as JSON. */
function nestLine(fields: Record<string, unknown>, message = ''): string {
  try {
    return Object.keys(fields).length === 0 ? message : `${message} ${JSON.stringify(fields)}`;
  } catch {
    return message;
  }
}

/**
 * Gives a receiver Nest's `Logger` (context `PassfortWebhooks`), so its lines carry Nest's
 * format, levels and any logger the app installed with `app.useLogger()`, and are silenced
 * with Nest's own (`NestFactory.create(AppModule, { logger: false })`). Only warnings and
 * errors, as the console default: a receiver's info lines (one per request) would flood
 * Nest's default levels; pass a `logger` option for them. A receiver whose app chose a
 * logger keeps it.
 */
export function adoptNestLogger(webhooks: PassfortWebhooks): boolean {
  const adopt = (webhooks as unknown as Record<symbol, ((logger: object) => boolean) | undefined>)[
    ADOPT_LOGGER
  ];
  if (adopt === undefined) return false;
  const nest = new Logger('PassfortWebhooks');
  const warn: PinoStyle = (fields, message) => nest.warn(nestLine(fields, message));
  const error: PinoStyle = (fields, message) => nest.error(nestLine(fields, message));
  return adopt({ warn, error });
}
