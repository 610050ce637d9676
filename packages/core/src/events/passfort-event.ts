import type { z } from 'zod';
import type { eventDataSchemas, PassfortEventName } from './event-schemas.js';

/** The validated `data` of event `E`. */
export type PassfortEventData<E extends PassfortEventName> = z.output<(typeof eventDataSchemas)[E]>;

interface EventEnvelope<Name extends string, Data> {
  /** Passfort's webhook id (UUID-shaped); the dedupe key. */
  readonly id: string;
  readonly event: Name;
  /** Unix seconds at which Passfort created the webhook. */
  readonly timestamp: number;
  readonly data: Data;
  /** Any other top-level key Passfort sends is kept. The `secret` never is. */
  readonly [key: string]: unknown;
}

/**
 * A validated webhook of event `E`, as handlers receive it (without its `secret`).
 * For a union of names it is a union of events, so `switch (event.event)` narrows `data`.
 */
export type PassfortEvent<E extends PassfortEventName = PassfortEventName> = {
  [K in E]: EventEnvelope<K, PassfortEventData<K>>;
}[E];

/**
 * A webhook whose event this version does not know, or whose payload did not match its
 * schema: delivered to `onAny` with untyped data, never refused.
 */
export type UnvalidatedPassfortEvent = EventEnvelope<string, Readonly<Record<string, unknown>>>;

/** What `onAny` handlers receive: a validated event, or an unvalidated one. */
export type AnyPassfortEvent = PassfortEvent | UnvalidatedPassfortEvent;
