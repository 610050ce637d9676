// Type tests: checked by `tsc` in `pnpm typecheck` (part of `pnpm test`), run as no-ops by vitest.
import { describe, expectTypeOf, it } from 'vitest';
import { createPassfortWebhooks } from './create-passfort-webhooks.js';
import type { PassfortEventName } from './events/event-schemas.js';
import type { PassfortEvent, UnvalidatedPassfortEvent } from './events/passfort-event.js';

const webhooks = createPassfortWebhooks({ secret: 'type-tests' });

describe('typed on()', () => {
  it('types event data from the event schema', () => {
    webhooks.on('PRODUCT_STATUS_CHANGED', (event) => {
      // Open: the documented statuses for autocomplete, any other string accepted.
      expectTypeOf(event.data.new_status).toEqualTypeOf<
        'APPLIED' | 'APPROVED' | 'IN_REVIEW' | 'REJECTED' | 'CANCELLED' | (string & {})
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

  it('names a misspelt event in the error instead of listing every event name', () => {
    // @ts-expect-error Not a Passfort event name: CHECK_COMPLETD (the parameter type below)
    webhooks.on('CHECK_COMPLETD', () => {});
    type Message =
      'Not a Passfort event name: CHECK_COMPLETD. onAny() receives the events this version does not know';
    // What TypeScript prints as the parameter type the misspelt name is not assignable to.
    expectTypeOf(webhooks.on<'CHECK_COMPLETD'>)
      .parameter(0)
      .toEqualTypeOf<Message | readonly Message[]>();
    expectTypeOf(webhooks.on<'CHECK_COMPLETED'>)
      .parameter(0)
      .toEqualTypeOf<'CHECK_COMPLETED' | readonly 'CHECK_COMPLETED'[]>();
    // In a list, the misspelt name is the one named.
    // @ts-expect-error Not a Passfort event name: RISK_LEVEL_CHANGE
    webhooks.on(['RISK_SCORE_CHANGED', 'RISK_LEVEL_CHANGE'], () => {});
  });

  it('refuses unknown event names and wrong field access', () => {
    // @ts-expect-error NOT_AN_EVENT is not a Passfort event
    webhooks.on('NOT_AN_EVENT', () => {});
    // @ts-expect-error one of the names is not a Passfort event
    webhooks.on(['CHECK_COMPLETED', 'NOPE'], () => {});
    webhooks.on('PRODUCT_STATUS_CHANGED', (event) => {
      // @ts-expect-error an open enum is not narrowed to one value without a check
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

  it('types CHECK_COMPLETED as Passfort sends it: a check object, no check_id', () => {
    webhooks.on('CHECK_COMPLETED', (event) => {
      expectTypeOf(event.data.check.id).toEqualTypeOf<string>();
      expectTypeOf(event.data.check.decision).toEqualTypeOf<
        'PASS' | 'FAIL' | 'PARTIAL' | 'WARN' | 'ERROR' | (string & {}) | undefined
      >();
      expectTypeOf(event.data.check.result).toEqualTypeOf<string | null | undefined>();
      expectTypeOf(event.data.check.variant?.alias).toEqualTypeOf<string | null | undefined>();
      expectTypeOf(event.data.user).toMatchTypeOf<object | null | undefined>();
      // @ts-expect-error there is no top-level check_id: the id is event.data.check.id
      return event.data.check_id;
    });
  });

  it('lets an unseen enum value reach a switch default', () => {
    webhooks.on('PRODUCT_STATUS_CHANGED', (event) => {
      switch (event.data.new_status) {
        case 'APPROVED':
          return 'approved';
        case 'REJECTED':
          return 'rejected';
        default: {
          // A status this version does not list still arrives here, as a string.
          expectTypeOf(event.data.new_status).toMatchTypeOf<string>();
          const other: string = event.data.new_status;
          return other;
        }
      }
    });
  });

  it('types MANUAL_ACTION_REQUIRED actions and keeps every documented key optional', () => {
    webhooks.on('MANUAL_ACTION_REQUIRED', (event) => {
      const [action] = event.data.actions ?? [];
      expectTypeOf(action?.task?.state).toEqualTypeOf<
        'INCOMPLETE' | 'COMPLETED_PASS' | 'COMPLETED_FAIL' | (string & {}) | null | undefined
      >();
      expectTypeOf(action?.applications?.[0]?.product?.name).toEqualTypeOf<
        string | null | undefined
      >();
    });
    webhooks.on('COLLECTED_DATA_CHANGED', (event) => {
      expectTypeOf(event.data.old_data).toMatchTypeOf<object | null | undefined>();
    });
    webhooks.on('PRODUCT_STATUS_CHANGED', (event) => {
      expectTypeOf(event.data.product).toMatchTypeOf<object | null | undefined>();
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

describe('handle()', () => {
  it('takes a framework’s parsed body typed unknown, without a cast', async () => {
    const parsedByTheFramework: unknown = JSON.parse('{"id":"a"}');
    const response = await webhooks.handle({
      method: 'POST',
      headers: { authorization: 'Bearer type-tests' },
      body: parsedByTheFramework,
    });
    expectTypeOf(response.status).toBeNumber();
  });
});
