/** Reading the CLI's options: every bad value is a usage error (exit 2) naming the option. */

/** A mistake in the command line: printed with the command's help, exit code 2. */
export class UsageError extends Error {}

/** `--target`: an http(s) URL. */
export function targetUrl(value: string | undefined): string {
  if (value === undefined) throw new UsageError('--target URL is required');
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    return url.toString();
  } catch {
    throw new UsageError(`--target must be an http(s) URL, got "${value}"`);
  }
}

/** An option that must be given. */
export function required(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** A number option within bounds, or its default. */
export function number(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max = Infinity,
): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
    throw new UsageError(
      `--${name} must be a number from ${min}${max === Infinity ? '' : ` to ${max}`}, got "${value}"`,
    );
  }
  return parsed;
}
