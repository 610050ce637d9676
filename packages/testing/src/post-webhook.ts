import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * What became of one POST, told apart the way a user needs it: an answer (any status, a
 * redirect included, never followed); `no-answer` when the connection was made but nothing
 * came back within the deadline (the receiver is slow, not missing); `dropped` when the
 * connection closed before an answer; `unreachable` when no connection was ever made.
 */
export type PostOutcome =
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly headers: IncomingHttpHeaders;
      readonly body: string;
    }
  | { readonly kind: 'no-answer'; readonly deadlineMs: number }
  | { readonly kind: 'dropped'; readonly reason: string }
  | { readonly kind: 'unreachable'; readonly reason: string };

/**
 * POSTs `body` to `target` as Passfort does, once, with `node:http` rather than fetch: fetch
 * cannot say whether a timeout came before or after the connection, and that is the line
 * between "cannot reach" and "no answer within the deadline".
 *
 * @example
 * const outcome = await postWebhook(new URL('http://127.0.0.1:3000/webhooks/passfort'), JSON.stringify(envelope), { authorization: `Bearer ${secret}` }, 10_000);
 * if (outcome.kind === 'answer' && outcome.status === 200) console.log('delivered');
 */
export function postWebhook(
  target: URL,
  body: string,
  headers: Record<string, string>,
  deadlineMs: number,
): Promise<PostOutcome> {
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const settle = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(outcome);
    };
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, {
      method: 'POST',
      // One connection for one request: nothing pooled keeps the process alive afterwards.
      agent: false,
      headers: { 'content-type': 'application/json', ...headers },
    });
    const deadline = setTimeout(() => {
      settle(
        connected
          ? { kind: 'no-answer', deadlineMs }
          : { kind: 'unreachable', reason: `no connection within ${deadlineMs} ms` },
      );
      request.destroy();
    }, deadlineMs);
    request.on('socket', (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once('connect', () => (connected = true));
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        settle({
          kind: 'answer',
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      response.on('error', (error) => settle({ kind: 'dropped', reason: error.message }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code ?? error.message;
      settle(connected ? { kind: 'dropped', reason } : { kind: 'unreachable', reason });
    });
    request.end(body);
  });
}
