import type { DeliveryCounts } from '../observability/instrumentation.js';

/**
 * Header values as any runtime or framework hands them over: a Web `Headers`, or a plain
 * record such as Node's `IncomingMessage.headers` (names in any case).
 */
export type HeaderSource =
  | Headers
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * The request body in any form the library accepts: raw bytes, text, a Web stream (read
 * with the size limit applied while reading), or a value an app's body parser already
 * produced from the JSON. `undefined` and `null` mean an empty body.
 */
export type WebhookRequestBody =
  | BodyReader
  | Uint8Array
  | ArrayBuffer
  | string
  | ReadableStream<Uint8Array>
  | Readonly<Record<string, unknown>>
  | readonly unknown[]
  | null
  | undefined;

/**
 * Reads the body when the receiver asks for it (after the checks that need no body), with
 * the size limit: resolves with the bytes, or text already decoded, and rejects once more
 * than `maxBytes` arrived. How the Node bridge hands over a socket without a Web stream.
 */
export type BodyReader = (maxBytes: number) => Promise<Uint8Array | string>;

/** A framework-neutral request: what an adapter passes to `webhooks.handle()`. */
export interface WebhookRequest {
  /** HTTP method, any case. */
  method: string;
  headers: HeaderSource;
  /**
   * The body, in any form of {@link WebhookRequestBody}. Typed `unknown` so a framework's
   * parsed body (Fastify's, Nest's, Next's `request.body`) is passed without a cast: any value
   * that is not bytes, text, a stream or a reader is taken as what a body parser produced
   * from the JSON, and checked as such.
   */
  body: unknown;
  /**
   * Set by adapters when a body parser already consumed the stream and left nothing
   * usable, so the receiver can say so instead of reporting an empty body.
   */
  bodyAlreadyRead?: boolean;
  /** The peer address as the adapter sees it, for the optional IP allow list. */
  ip?: string | undefined;
  /** The request's path, when the adapter knows it: tracing reports it as `url.path`. */
  path?: string | undefined;
  /**
   * Keeps the runtime serving this request alive for work that outlives its answer: a handler
   * still running when the deadline answered Passfort, its completion write, and the release of
   * the webhooks that did not start. Cloudflare Workers cancel such work once the response is
   * sent unless it is handed to the request's `ExecutionContext.waitUntil` (and cancel it again
   * on every redelivery, so that handler never completes); elsewhere it runs on by itself and
   * this may be left out. Called as a method of the request object.
   */
  waitUntil?: ((promise: Promise<unknown>) => void) | undefined;
}

/** A framework-neutral response: what `webhooks.handle()` returns for an adapter to write. */
export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  /**
   * Empty for a 200 (its counts are in the `passfort-webhooks-counts` header); a JSON
   * document otherwise.
   */
  body: string;
  /**
   * What the request's webhooks came to, when it got as far as delivering them: the same
   * figures as the `passfort-webhooks-counts` header, for callers of `handle()` in process.
   */
  counts?: DeliveryCounts;
}
