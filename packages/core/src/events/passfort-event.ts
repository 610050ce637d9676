import type { z } from 'zod';
import type { eventDataSchemas, PassfortEventName } from './event-schemas.js';

/**
 * The events whose `data` keys Passfort's samples (or a public consumer's payload) show. Their
 * type lists those keys only, so a key that is not there (`event.data.check_id`) is a type
 * error rather than an `undefined` at run time; the keys Passfort adds are still kept in the
 * value. The other events' keys are not documented, so their `data` also has an index
 * signature (`unknown` values, to narrow).
 */
type DocumentedPayloadEventName =
  | 'PRODUCT_STATUS_CHANGED'
  | 'CHECK_COMPLETED'
  | 'COLLECTED_DATA_CHANGED'
  | 'COLLECTED_DATA_UPDATED'
  | 'MANUAL_ACTION_REQUIRED';

/** `T` without its index signature: only the keys it names. */
type NamedKeys<T> = {
  [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K];
};

/** The validated `data` of event `E`. */
export type PassfortEventData<E extends PassfortEventName> = E extends DocumentedPayloadEventName
  ? NamedKeys<z.output<(typeof eventDataSchemas)[E]>>
  : z.output<(typeof eventDataSchemas)[E]>;

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
