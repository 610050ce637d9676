import type { AnyWebhookHandler, WebhookErrorHandler } from '../webhook-handler.js';

/** Registered handlers, in registration order. */
export class HandlerRegistry {
  readonly #byEvent = new Map<string, AnyWebhookHandler[]>();
  readonly #any: AnyWebhookHandler[] = [];
  readonly #errors: WebhookErrorHandler[] = [];

  on(events: string | readonly string[], handler: AnyWebhookHandler): () => void {
    const names = typeof events === 'string' ? [events] : [...events];
    for (const name of names) {
      const list = this.#byEvent.get(name) ?? [];
      list.push(handler);
      this.#byEvent.set(name, list);
    }
    return () => {
      for (const name of names) remove(this.#byEvent.get(name), handler);
    };
  }

  onAny(handler: AnyWebhookHandler): () => void {
    this.#any.push(handler);
    return () => remove(this.#any, handler);
  }

  onError(handler: WebhookErrorHandler): () => void {
    this.#errors.push(handler);
    return () => remove(this.#errors, handler);
  }

  /** Specific handlers first (only for validated events), then `onAny`, one after another. */
  handlersFor(event: string, validated: boolean): readonly AnyWebhookHandler[] {
    const specific = validated ? (this.#byEvent.get(event) ?? []) : [];
    return specific.length === 0 ? this.#any : [...specific, ...this.#any];
  }

  get errorHandlers(): readonly WebhookErrorHandler[] {
    return this.#errors;
  }
}

function remove<T>(list: T[] | undefined, item: T): void {
  const at = list?.indexOf(item) ?? -1;
  if (at >= 0) list!.splice(at, 1);
}
