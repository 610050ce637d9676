import type { WebhookRequest, WebhookResponse } from './webhook-request.js';

/**
 * Options of `webhooks.fetch`. A Cloudflare Workers `ExecutionContext` is one: pass the `ctx`
 * of `fetch(request, env, ctx)` as it is.
 */
export interface FetchOptions {
  /** The peer address, when the runtime exposes it. */
  ip?: string;
  /**
   * The runtime's hold on work that outlives the answer (see {@link WebhookRequest.waitUntil}):
   * on Cloudflare Workers, the request's `ExecutionContext`, whose `waitUntil` this is. Without
   * it, a handler still running when the deadline answers is cancelled there.
   */
  waitUntil?(promise: Promise<unknown>): void;
}

/** A Web-standard `Request` as the framework-neutral request `handle()` takes. */
export function fetchRequest(request: Request, options: FetchOptions): WebhookRequest {
  return {
    method: request.method,
    headers: request.headers,
    body: request.body,
    bodyAlreadyRead: request.bodyUsed,
    ip: options.ip,
    path: new URL(request.url).pathname,
    // A method of the options, as ExecutionContext.waitUntil must be called.
    waitUntil:
      options.waitUntil === undefined ? undefined : (promise) => options.waitUntil?.(promise),
  };
}

/** `handle()`'s answer as a Web-standard `Response`. */
export function fetchResponse(response: WebhookResponse): Response {
  return new Response(response.body, { status: response.status, headers: response.headers });
}
