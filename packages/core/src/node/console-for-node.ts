import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConsoleOptions } from '../console/console-options.js';
import { CONSOLE_SECURITY_HEADERS } from '../console/console-security-headers.js';
import { createConsole } from '../console/create-console.js';
import type { PassfortWebhooks } from '../create-passfort-webhooks.js';
import { toWebRequest, writeWebResponse } from './web-request.js';

/**
 * Serves the console of `webhooks` on a Node request that is under `options.path`: returns a
 * promise that settles once the answer is written, or undefined for any other path (the
 * framework's next middleware takes it). The base of the Express, Koa and Nest console mounts.
 * The operator's address, for the log and the sign-in rate limit, is the socket's.
 */
export function consoleForNode(
  webhooks: PassfortWebhooks,
  options: ConsoleOptions,
): (
  req: IncomingMessage & { originalUrl?: string },
  res: ServerResponse,
) => Promise<void> | undefined {
  const handler = createConsole(webhooks, options);
  const path = (options.path ?? '/console').replace(/\/+$/, '');
  return (req, res) => {
    const url = req.originalUrl ?? req.url ?? '/';
    const end = url.indexOf('?');
    const pathname = end === -1 ? url : url.slice(0, end);
    if (pathname !== path && !pathname.startsWith(`${path}/`)) return undefined;
    let answer: Promise<Response>;
    try {
      answer = handler(toWebRequest(req), { ip: req.socket.remoteAddress });
    } catch (error) {
      // A request Node accepted but the Web API refuses (a Host header no URL can hold) gets
      // the same 500 as a failed answer, not an exception in the framework's middleware.
      answer = Promise.reject(error);
    }
    return answer
      .then((response) => writeWebResponse(res, response))
      .catch(() => {
        // The console's own answers carry these headers; its last-resort answer must too.
        if (!res.headersSent) res.writeHead(500, CONSOLE_SECURITY_HEADERS);
        res.end();
      });
  };
}
