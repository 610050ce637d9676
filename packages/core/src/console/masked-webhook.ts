/**
 * A dead letter's webhook as the console shows it: never its `secret`, and, until an operator
 * reveals them, no values from its data (payloads hold personal data) — only their shape.
 * The envelope's `id`, `event` and `timestamp` stay visible.
 */
export function maskedWebhook(
  webhook: { readonly [key: string]: unknown },
  reveal: boolean,
): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(webhook)) {
    if (key === 'secret') continue;
    shown[key] =
      reveal || key === 'id' || key === 'event' || key === 'timestamp' ? value : mask(value);
  }
  return shown;
}

function mask(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(mask);
  if (value !== null && typeof value === 'object') {
    const masked: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) masked[key] = mask(inner);
    return masked;
  }
  if (value === null) return null;
  return `‹${typeof value}›`;
}
