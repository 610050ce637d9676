/** A pino-compatible logger: `logger.warn({ id, event }, 'message')`. Every level optional. */
export interface Logger {
  debug?(object: Record<string, unknown>, message?: string): void;
  info?(object: Record<string, unknown>, message?: string): void;
  warn?(object: Record<string, unknown>, message?: string): void;
  error?(object: Record<string, unknown>, message?: string): void;
}

/**
 * Describes an error for a log line without carrying the error object (or its payload).
 * `redact` scrubs known secrets from the message (see `createRedactor`).
 */
export function describeError(
  error: unknown,
  redact: (text: string) => string = (text) => text,
): Record<string, unknown> {
  if (error instanceof Error) return { name: error.name, message: redact(error.message) };
  return { message: redact(String(error)) };
}
