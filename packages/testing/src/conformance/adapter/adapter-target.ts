import {
  type AnyPassfortEvent,
  createPassfortWebhooks,
  memoryStore,
  type PassfortWebhooks,
  type PassfortWebhooksOptions,
  type WebhookContext,
} from '@passfort-webhooks/core';
import type { DedupeStore } from '@passfort-webhooks/core/store';
import { type ConformanceCase, expectEqual, expectMatch, expectTrue } from '../conformance-case.js';
import { type HttpRequestOptions, type HttpResult, httpRequest } from '../http-request.js';
import { KIT_SECRET, kitHeaders, kitReceiverLogging } from '../kit-webhooks.js';

/** A server an adapter author started, with the receiver mounted. */
export interface StartedServer {
  /** Its origin, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** Stops it; the kit awaits this after every case. */
  close(): Promise<void>;
}

/** The adapter under test, as the adapter kit drives it. */
export interface AdapterTarget {
  /**
   * Starts an app that mounts `receiver` with the adapter at {@link path}, as the
   * adapter's README tells users to, and answers `GET /health` with `200 ok` itself (so
   * the kit can see other routes still reach the app). Pass `receiver` to the adapter as
   * it is: every case creates its own, with the options the case needs.
   */
  start(receiver: PassfortWebhooks): Promise<StartedServer>;
  /**
   * True when the app runs a body parser before the adapter (so the parser reads the body
   * and its own size limit applies); the kit then skips what only an unread stream shows.
   * @default false
   */
  parsesBody?: boolean;
  /** @default '/webhooks/passfort' */
  path?: string;
}

/** What a handler of the kit's receiver saw. */
export interface HandlerCall {
  id: string;
  event: string;
  kind: 'specific' | 'any';
  context: WebhookContext;
  hasSecret: boolean;
}

/** A memory store that counts what reached it, to prove refused requests touch nothing. */
function countingStore(): { store: DedupeStore; touched: () => number } {
  const inner = memoryStore();
  let touched = 0;
  const count =
    <A extends unknown[], R>(call: (...args: A) => R) =>
    (...args: A): R => {
      touched++;
      return call(...args);
    };
  return {
    touched: () => touched,
    store: {
      ...inner,
      claim: count(inner.claim),
      complete: count(inner.complete),
      addDeadLetter: count(inner.addDeadLetter),
    },
  };
}

/** A receiver that records every handler call and every `onError` code. */
export function recordingReceiver(options: Partial<PassfortWebhooksOptions> = {}) {
  const calls: HandlerCall[] = [];
  const errors: string[] = [];
  const { store, touched } = countingStore();
  const record =
    (kind: HandlerCall['kind']) => (event: AnyPassfortEvent, context: WebhookContext) => {
      calls.push({ id: event.id, event: event.event, kind, context, hasSecret: 'secret' in event });
    };
  const webhooks = createPassfortWebhooks({
    secret: KIT_SECRET,
    store,
    ...kitReceiverLogging(),
    ...options,
  });
  webhooks.on('PRODUCT_STATUS_CHANGED', record('specific'));
  webhooks.onAny(record('any'));
  webhooks.onError(({ error }) => {
    errors.push(error.code);
  });
  const specific = () => calls.filter((call) => call.kind === 'specific');
  return { webhooks, calls, errors, specific, touched };
}

export type RecordingReceiver = ReturnType<typeof recordingReceiver>;

/** Sends a request to a path of the started server. */
export type SendRequest = (path: string, options?: HttpRequestOptions) => Promise<HttpResult>;

/** What a case body gets: the started server's request function and the webhook path. */
export interface CaseTools {
  request: SendRequest;
  path: string;
  /** Restarts the app with another receiver (the previous server is closed). */
  restart(receiver: PassfortWebhooks): Promise<void>;
}

/**
 * A case that starts the target with the receiver `setUp` makes, runs `body`, and always
 * stops the server and closes the receiver afterwards, whatever happened.
 */
export function serverCase<R extends { webhooks: PassfortWebhooks }>(
  target: AdapterTarget,
  name: string,
  setUp: () => R,
  body: (tools: CaseTools, made: R) => Promise<void>,
): ConformanceCase {
  const path = target.path ?? '/webhooks/passfort';
  return {
    name,
    async run() {
      const made = setUp();
      let { webhooks } = made;
      let server = await target.start(webhooks);
      const tools: CaseTools = {
        path,
        request: (to, options) => httpRequest(`${server.url}${to}`, options),
        async restart(next) {
          await server.close();
          await webhooks.close();
          webhooks = next;
          server = await target.start(next);
        },
      };
      try {
        await body(tools, made);
      } finally {
        await server.close();
        await webhooks.close();
      }
    },
  };
}

/** {@link serverCase} bound to one target. */
export function caseOn(target: AdapterTarget) {
  return <R extends { webhooks: PassfortWebhooks }>(
    name: string,
    setUp: () => R,
    body: (tools: CaseTools, made: R) => Promise<void>,
  ) => serverCase(target, name, setUp, body);
}

/** A JSON body and Passfort's headers. */
export function send(payload: unknown, headers: Record<string, string> = kitHeaders()) {
  return { body: JSON.stringify(payload), headers };
}

/**
 * A refusal: the status, a JSON error with a code (and no secret), no handler run and no
 * store touched. Behind a body parser only the codes decided before the body are sure.
 */
export function expectRefused(
  target: AdapterTarget,
  r: RecordingReceiver,
  res: HttpResult,
  status: number,
  code?: string,
): void {
  expectEqual(res.status, status, 'status');
  expectTrue(!res.text.includes(KIT_SECRET), 'no secret in the answer');
  expectEqual(r.calls.length, 0, 'no handler ran');
  expectEqual(r.touched(), 0, 'the dedupe store was not touched');
  if (target.parsesBody !== true || code === 'FORBIDDEN_IP' || code === 'UNAUTHORIZED') {
    expectMatch(
      res.json,
      {
        error: {
          code: code ?? ((value: unknown) => typeof value === 'string'),
          message: (value: unknown) => typeof value === 'string',
        },
      },
      'the JSON error',
    );
  }
}
