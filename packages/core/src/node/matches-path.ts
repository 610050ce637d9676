import type { IncomingMessage } from 'node:http';

/** The path of a Node request's URL, without its query string. */
export function requestPathname(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * True when the request's path is `path` (a trailing slash is ignored), or when no path
 * was given, so an adapter mounted with `app.use()` passes other paths on.
 */
export function matchesPath(req: IncomingMessage, path: string | undefined): boolean {
  if (path === undefined) return true;
  const pathname = requestPathname(req);
  // The exact path is the usual case; trailing slashes are trimmed only when it is not.
  return pathname === path || trimTrailingSlashes(pathname) === trimTrailingSlashes(path);
}

function trimTrailingSlashes(value: string): string {
  return value.length > 1 ? value.replace(/\/+$/, '') : value;
}
