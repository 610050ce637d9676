// Type tests: checked by `tsc` in `pnpm typecheck` (part of `pnpm test`), run as no-ops by vitest.
import { describe, expectTypeOf, it } from 'vitest';
import { createPassfortWebhooks } from './create-passfort-webhooks.js';
import type { PassfortEventName } from './events/event-schemas.js';
import type { PassfortEvent, UnvalidatedPassfortEvent } from './events/passfort-event.js';

const webhooks = createPassfortWebhooks({ secret: 'type-tests' });

describe('typed on()', () => {
  it('types event data from the event schema', () => {
    webhooks.on('PRODUCT_STATUS_CHANGED', (event) => {
      expectTypeOf(event.data.new_status).toEqualTypeOf<
        'APPLIED' | 'APPROVED' | 'IN_REVIEW' | 'REJECTED' | 'CANCELLED'
      >();
      expectTypeOf(event.event).toEqualTypeOf<'PRODUCT_STATUS_CHANGED'>();
      expectTypeOf(event.data.application_id).toBeString();
    });
    webhooks.on('COLLECTED_DATA_CHANGED', (event) => {
      expectTypeOf(event.data.profile_id).toBeString();
      expectTypeOf(event.data.user).toMatchTypeOf<
        { email?: string | null | undefined } | null | undefined
      >();
    });
  });

  it('gives collected-data handlers the diff context, and only them', () => {
    webhooks.on('COLLECTED_DATA_UPDATED', (_event, ctx) => {
      expectTypeOf(ctx.isEcho).toBeBoolean();
      expectTypeOf(ctx.diffAgainst({})).toBeArray();
    });
    webhooks.on('CHECK_COMPLETED', (_event, ctx) => {
      // @ts-expect-error only collected-data events carry a diff
      return ctx.changes;
    });
  });

  it('narrows a union of events by name', () => {
    webhooks.on(['PRODUCT_STATUS_CHANGED', 'CHECK_COMPLETED'], (event) => {
      expectTypeOf(event.event).toEqualTypeOf<'PRODUCT_STATUS_CHANGED' | 'CHECK_COMPLETED'>();
      if (event.event === 'PRODUCT_STATUS_CHANGED')
        expectTypeOf(event.data.new_status).toBeString();
    });
  });

  it('refuses unknown event names and wrong field access', () => {
    // @ts-expect-error NOT_AN_EVENT is not a Passfort event
    webhooks.on('NOT_AN_EVENT', () => {});
    // @ts-expect-error one of the names is not a Passfort event
    webhooks.on(['CHECK_COMPLETED', 'NOPE'], () => {});
    webhooks.on('PRODUCT_STATUS_CHANGED', (event) => {
      // @ts-expect-error new_status is a closed union
      const status: 'ON_HOLD' = event.data.new_status;
      return status;
    });
    createPassfortWebhooks({
      secret: 's',
      on: {
        CHECK_COMPLETED: (event) => expectTypeOf(event.event).toEqualTypeOf<'CHECK_COMPLETED'>(),
        // @ts-expect-error handler maps are keyed by event names too
        NOT_AN_EVENT: () => {},
      },
    });
  });

  it('gives onAny known and unknown events', () => {
    webhooks.onAny((event) => {
      expectTypeOf(event).toEqualTypeOf<PassfortEvent | UnvalidatedPassfortEvent>();
      expectTypeOf(event.id).toBeString();
    });
    expectTypeOf<PassfortEventName>().toMatchTypeOf<string>();
  });
});
