import type { PassfortWebhooks, PassfortWebhooksOptions } from '@passfort-webhooks/core';
import {
  type BodyReader,
  discardBody,
  type EventStreamLike,
  eventStreamReader,
  type KnownOptions,
  refuseUnknownOptions,
  resolvePassfortWebhooks,
} from '@passfort-webhooks/core/adapter';
import { type Context, type Handler, Hono } from 'hono';

/** Options of the Hono adapter. */
export interface HonoAdapterOptions {
  /**
   * Reads the peer address for the IP allow list. By default, the address of
   * `@hono/node-server`'s socket when there is one; on other runtimes pass e.g. Hono's
   * `getConnInfo(c).remote.address`.
   */
  getIp?: (c: Context) => string | undefined;
}

const ADAPTER_OPTIONS = { getIp: true } as const satisfies KnownOptions<HonoAdapterOptions>;

/** `@hono/node-server`'s request, as Hono hands it over in `c.env`. */
interface NodeIncoming extends EventStreamLike {
  readableDidRead?: boolean;
  socket?: { remoteAddress?: string };
}

const nodeIncoming = (c: Context) => (c.env as { incoming?: NodeIncoming } | undefined)?.incoming;

/** True when the object has an own enumerable key; allocates nothing, unlike Object.keys. */
function hasEntries(object: object): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return true;
  return false;
}

function nodeServerIp(c: Context): string | undefined {
  return nodeIncoming(c)?.socket?.remoteAddress;
}

/**
 * Hands work outliving the answer to Workers' `c.executionCtx.waitUntil`. Looked up only when
 * there is such work: elsewhere Hono's getter throws (no ExecutionContext), and the work runs on
 * by itself.
 */
function waitUntilOf(c: Context): (promise: Promise<unknown>) => void {
  return (promise) => {
    let executionCtx: { waitUntil(promise: Promise<unknown>): void } | undefined;
    try {
      executionCtx = c.executionCtx;
    } catch {
      return;
    }
    executionCtx.waitUntil(promise);
  };
}

/**
 * A Hono handler receiving Passfort webhooks, on Node, Bun, Deno and Workers alike.
 *
 * @example
 * app.post('/webhooks/passfort', passfortWebhooks(webhooks));
 */
export function passfortWebhooks(
  webhooks: PassfortWebhooks | PassfortWebhooksOptions,
  options: HonoAdapterOptions = {},
): Handler {
  refuseUnknownOptions('passfortWebhooks (Hono)', options, ADAPTER_OPTIONS);
  const receiver = resolvePassfortWebhooks(webhooks);
  const getIp = options.getIp ?? nodeServerIp;
  return async function passfortWebhooksHandler(c) {
    const raw = c.req.raw;
    let body: BodyReader | ReadableStream<Uint8Array> | null;
    let bodyAlreadyRead = false;
    let readerCalled = false;
    const incoming = nodeIncoming(c);
    if (hasEntries(c.req.bodyCache)) {
      // An earlier middleware read it (e.g. `c.req.json()`); Hono keeps a cached copy.
      body = async () => new Uint8Array(await c.req.arrayBuffer());
    } else if (incoming?.readableDidRead === false && typeof incoming.on === 'function') {
      // On @hono/node-server, read the Node request itself, bounded while reading: no Web
      // stream and no copy into an ArrayBuffer, which cost more than the rest of a request.
      body = eventStreamReader(incoming);
    } else if (raw.headers.get('content-length') !== null) {
      // The receiver checks Content-Length against its limit before reading, and the HTTP
      // layer delivers no more than declared: Hono's own reader is safe, and on Node much
      // faster than a Web stream (reading `raw.body` or `raw.bodyUsed` builds a full Request).
      body = async () => {
        readerCalled = true;
        return new Uint8Array(await c.req.arrayBuffer());
      };
    } else if (raw.bodyUsed) {
      body = null;
      bodyAlreadyRead = true;
    } else {
      body = raw.body; // chunked: a stream, bounded while it is read
    }
    const response = await receiver.handle({
      method: raw.method,
      headers: raw.headers,
      body,
      bodyAlreadyRead,
      ip: getIp(c),
      // Not on @hono/node-server, which has no ExecutionContext.
      waitUntil: incoming === undefined ? waitUntilOf(c) : undefined,
    });
    // Refused by its Content-Length, the body was never read: on workerd, answering now would
    // reset the connection instead (see discardBody). @hono/node-server drains its own.
    if (response.status === 413 && !readerCalled && incoming === undefined) {
      await discardBody(raw.body);
    }
    return new Response(response.body, { status: response.status, headers: response.headers });
  };
}

/**
 * A Hono sub-app answering on its root, for `app.route(path, …)`.
 *
 * @example
 * app.route('/webhooks/passfort', passfortWebhooksApp(webhooks));
 */
export function passfortWebhooksApp(
  webhooks: PassfortWebhooks | PassfortWebhooksOptions,
  options: HonoAdapterOptions = {},
): Hono {
  return new Hono().all('/', passfortWebhooks(webhooks, options));
}
export { passfortConsole } from './console.js';
