import type { PassfortEventName } from '../events/event-schemas.js';
import type { DeadLetters } from './replay/dead-letters.js';
import type { WebhookStatus } from './status/status-tracker.js';
import type { AnyWebhookHandler, WebhookErrorHandler, WebhookHandler } from './webhook-handler.js';

/**
 * `E` itself when it is a documented event name; otherwise a message, which TypeScript shows
 * as the parameter type: `Argument of type '"CHECK_COMPLETD"' is not assignable to parameter
 * of type '"Not a Passfort event name: CHECK_COMPLETD. …"'`, instead of the list of every
 * event name.
 */
export type EventNameOrMessage<E extends string> = E extends PassfortEventName
  ? E
  : `Not a Passfort event name: ${E}. onAny() receives the events this version does not know`;

/**
 * Registering handlers and reading state: what receivers and workers have in common. `Tx` is
 * the connection `ctx.transaction` hands to handlers (`never` without a SQL store).
 */
export interface WebhookHandling<Tx = unknown> {
  /**
   * Registers a handler for one documented event, or several; `event` is typed from the
   * event's schema. Handlers of one event run in registration order, before `onAny`.
   * Returns a function that removes the handler.
   * @example
   * webhooks.on('PRODUCT_STATUS_CHANGED', async (event) => {
   *   await db.applications.setStatus(event.data.application_id, event.data.new_status);
   * });
   */
  on<const E extends string>(
    event: EventNameOrMessage<E> | readonly EventNameOrMessage<E>[],
    handler: WebhookHandler<E & PassfortEventName, Tx>,
  ): () => void;
  /** Registers a handler for every webhook, including events this version does not know. */
  onAny(handler: AnyWebhookHandler<Tx>): () => void;
  /** Hears handler failures, dead letters and payloads that did not match their schema. */
  onError(handler: WebhookErrorHandler): () => void;
  /** The receiving side's queue status, mirroring Passfort's webhook status page. */
  status(): Promise<WebhookStatus>;
  readonly deadLetters: DeadLetters;
}
