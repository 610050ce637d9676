import { ConfigurationError } from '../errors/configuration-error.js';

/**
 * Every option name of an options type, each `true`. Written as
 * `{ ... } satisfies KnownOptions<Options>`, the compiler keeps the list complete and exact: an
 * option added to the type without its name here, or a name here that the type lacks, is a
 * type error. So the list a factory checks against cannot drift from what it documents.
 */
export type KnownOptions<T> = { readonly [K in keyof Required<T>]: true };

/**
 * Refuses an option the factory does not know, naming it and the closest known name. In
 * JavaScript a misspelt option (`maxAtempts`) would otherwise do nothing, silently.
 *
 * @example
 * refuseUnknownOptions('createWorker', options, WORKER_OPTIONS);
 * // ConfigurationError: [passfort-webhooks] createWorker does not know the option "maxAtempts"; did you mean "maxAttempts"?
 */
export function refuseUnknownOptions(
  factory: string,
  options: unknown,
  known: Readonly<Record<string, true>>,
): void {
  if (typeof options !== 'object' || options === null) return;
  for (const name of Object.keys(options)) {
    if (Object.hasOwn(known, name)) continue;
    const closest = closestName(name, Object.keys(known));
    throw new ConfigurationError(
      `${factory} does not know the option "${name}"${
        closest === undefined ? '' : `; did you mean "${closest}"?`
      } Known options: ${Object.keys(known).join(', ')}`,
    );
  }
}

/** The known name nearest to `name`, if one is near enough to be a likely typo. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A third of the name, at least 2 edits: `maxAtempts`, `secrets`, `dealineMs` are found;
  // an unrelated name gets no suggestion rather than a wrong one.
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
