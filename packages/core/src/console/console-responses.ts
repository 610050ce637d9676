/**
 * Every answer the console gives is built here, so none can leave without the security headers
 * (nothing cached, framed or sniffed) and every HTML page gets a fresh nonce for its one
 * script and style under a CSP that allows nothing else.
 */
import { CONSOLE_SECURITY_HEADERS } from './console-security-headers.js';
import { randomToken } from './random-token.js';

/** A JSON answer. */
export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      ...CONSOLE_SECURITY_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      ...headers,
    },
  });
}

/** An HTML page, rendered with the nonce its CSP allows. */
export function html(
  status: number,
  render: (nonce: string) => string,
  headers: Record<string, string> = {},
): Response {
  const nonce = randomToken(16);
  return new Response(render(nonce), {
    status,
    headers: {
      ...CONSOLE_SECURITY_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
      ...headers,
    },
  });
}

/** A 303 to `location` (after a form post), setting `cookie` when given. */
export function redirect(location: string, cookie?: string): Response {
  const headers: Record<string, string> = { ...CONSOLE_SECURITY_HEADERS, location };
  if (cookie !== undefined) headers['set-cookie'] = cookie;
  return new Response(null, { status: 303, headers });
}

export function methodNotAllowed(allow: string): Response {
  return json(405, { error: { code: 'METHOD_NOT_ALLOWED', message: `Use ${allow}` } }, { allow });
}

export function deadLetterNotFound(id: string): Response {
  return json(404, { error: { code: 'DEAD_LETTER_NOT_FOUND', message: `No dead letter ${id}` } });
}
