import type {
  AnyPassfortEvent,
  PassfortEventData,
  PassfortEventName,
} from '@passfort-webhooks/core';
import type { Envelope } from './emulator.js';
import { eventFactories } from './event-factories.js';

/** Options of {@link webhookEnvelope}. */
export interface EnvelopeOptions {
  secret: string;
  /** @default crypto.randomUUID() */
  id?: string;
  /** Unix seconds. @default now */
  timestamp?: number;
}

/** One webhook as Passfort sends it; `data` defaults to a realistic payload. */
export function webhookEnvelope<E extends PassfortEventName>(
  event: E,
  data: PassfortEventData<E> | undefined,
  options: EnvelopeOptions,
): Envelope {
  return {
    id: options.id ?? crypto.randomUUID(),
    event,
    secret: options.secret,
    timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
    data: (data ?? eventFactories[event]()) as Record<string, unknown>,
  };
}

/** A request as Passfort makes it, for `webhooks.handle()`, `app.request()` or supertest. */
export interface WebhookTestRequest {
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

/**
 * Builds the request Passfort would send for these webhooks: one object, or a JSON array
 * when batched (the default for several), with the Bearer header.
 *
 * @example
 * const res = await webhooks.handle(webhookRequest([a, b], { secret }));
 */
export function webhookRequest(
  envelopes: Envelope | readonly Envelope[],
  options: { secret: string; batched?: boolean },
): WebhookTestRequest {
  const list = Array.isArray(envelopes) ? envelopes : [envelopes as Envelope];
  const batched = options.batched ?? list.length !== 1;
  if (!batched && list.length !== 1) {
    throw new Error('[passfort-webhooks] an unbatched request carries exactly one webhook');
  }
  return {
    method: 'POST',
    headers: { authorization: `Bearer ${options.secret}`, 'content-type': 'application/json' },
    body: JSON.stringify(batched ? list : list[0]),
  };
}

/**
 * The batch Passfort sends after an unacknowledged one: the same webhooks first, then newer
 * ones, at most 100.
 */
export function replayWithOverlap(
  previous: readonly Envelope[],
  newer: readonly Envelope[],
): Envelope[] {
  return [...previous, ...newer].slice(0, 100);
}

/** Records which webhooks handlers ran for, to assert exactly-once, in-order handling. */
export interface DeliveryLog {
  /** Register with `webhooks.onAny(log.record)`. */
  readonly record: (event: AnyPassfortEvent) => void;
  /** Ids in the order their handlers ran (a repeat shows up twice). */
  readonly ids: readonly string[];
  /** Throws, naming the first problem, unless each expected id ran exactly once, in order. */
  assertHandledOnceInOrder(expected: readonly string[]): void;
}

export function createDeliveryLog(): DeliveryLog {
  const ids: string[] = [];
  return {
    ids,
    record: (event) => {
      ids.push(event.id);
    },
    assertHandledOnceInOrder(expected) {
      const seen = new Map<string, number>();
      for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
      const doubled = [...seen].find(([, count]) => count > 1);
      if (doubled) throw new Error(`webhook ${doubled[0]} was handled ${doubled[1]} times`);
      const missing = expected.find((id) => !seen.has(id));
      if (missing !== undefined) throw new Error(`webhook ${missing} was never handled`);
      const unexpected = ids.find((id) => !expected.includes(id));
      if (unexpected !== undefined)
        throw new Error(`webhook ${unexpected} was handled but not expected`);
      const at = ids.findIndex((id, i) => id !== expected[i]);
      if (at !== -1)
        throw new Error(
          `out of order at position ${at}: handled ${ids[at]}, expected ${expected[at]}`,
        );
    },
  };
}
