/**
 * How the console writes times and durations. The page is rendered on the server, whose time
 * zone the operator does not know: times are relative ("4 min ago") or in UTC, and always
 * carry the exact instant in `datetime` and `title`.
 */

/** "12 s ago", "4 min ago", "3 h ago", "2 d ago". */
export function relativeTime(at: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** A `<time>` element reading "4 min ago"; "never" for null. */
export function timeTag(at: number | Date | null, now: number): string {
  if (at === null) return 'never';
  const iso = new Date(at).toISOString();
  const ms = typeof at === 'number' ? at : at.getTime();
  return `<time datetime="${iso}" title="${iso}">${relativeTime(ms, now)}</time>`;
}

/** A `<time>` element reading "14:03:12 UTC", with the date when it is not within a day. */
export function utcTimeTag(at: Date, now: number): string {
  const iso = at.toISOString();
  const clock = `${iso.slice(11, 19)} UTC`;
  const shown = Math.abs(now - at.getTime()) < 86_400_000 ? clock : `${iso.slice(0, 10)} ${clock}`;
  return `<time datetime="${iso}" title="${iso}">${shown}</time>`;
}

const UNITS: readonly (readonly [string, number])[] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
];

/** "200 ms", "1.5 s", "15 min", "1 h 30 min": the two largest units, for a configured span. */
export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`;
  const at = UNITS.findIndex(([, size]) => ms >= size);
  const [unit, size] = UNITS[at]!;
  const whole = Math.floor(ms / size);
  const next = UNITS[at + 1];
  const rest = next === undefined ? 0 : Math.floor((ms - whole * size) / next[1]);
  return rest > 0 ? `${whole} ${unit} ${rest} ${next![0]}` : `${whole} ${unit}`;
}
