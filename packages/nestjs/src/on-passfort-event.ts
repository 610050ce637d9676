import { SetMetadata } from '@nestjs/common';
import type {
  AnyPassfortEvent,
  ContextFor,
  PassfortEvent,
  PassfortEventName,
  WebhookContext,
} from '@passfort-webhooks/core';

/** Where a handler method's events are kept, for the explorer to find at bootstrap. */
export const HANDLER_METADATA = '@passfort-webhooks/nestjs:handler';

/**
 * `E` itself when it is a documented event name; otherwise a message, which TypeScript then
 * shows as the parameter type: `Argument of type '"CHECK_COMPLETD"' is not assignable to
 * parameter of type '"Not a Passfort event name: CHECK_COMPLETD. …"'`, instead of a list of
 * every event name or a TS1241 about the decorator's signature.
 */
export type CheckedEventName<E extends string> = E extends PassfortEventName
  ? E
  : `Not a Passfort event name: ${E}. @OnAnyPassfortEvent() receives the events this version does not know`;

/** What a decorated method handles: documented events, or every webhook (`'*'`). */
export interface HandlerMetadata {
  readonly events: readonly PassfortEventName[] | '*';
}

/**
 * Makes a provider's method a handler of one or more documented events; `event` and `ctx` are
 * typed from the event's schema (a method whose parameters do not fit is a type error). Found
 * at bootstrap on every provider; handlers of one event run in module order.
 *
 * @example
 * @Injectable()
 * export class Checks {
 *   @OnPassfortEvent('CHECK_COMPLETED')
 *   async onCheck(event: PassfortEvent<'CHECK_COMPLETED'>, ctx: WebhookContext) {
 *     await this.results.fetch(event.data.check.id);
 *   }
 * }
 */
export function OnPassfortEvent<const E extends string>(
  event: CheckedEventName<E> | readonly CheckedEventName<E>[],
) {
  const events = (Array.isArray(event) ? [...event] : [event]) as PassfortEventName[];
  return <
    M extends (
      event: PassfortEvent<E & PassfortEventName>,
      context: ContextFor<E & PassfortEventName>,
    ) => unknown,
  >(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): void => {
    SetMetadata<string, HandlerMetadata>(HANDLER_METADATA, { events })(target, key, descriptor);
  };
}

/**
 * Makes a provider's method a handler of every webhook, including events this version does not
 * document (as `onAny`).
 *
 * @example
 * @OnAnyPassfortEvent()
 * audit(event: AnyPassfortEvent) { this.log.info({ id: event.id, event: event.event }); }
 */
export function OnAnyPassfortEvent() {
  return <M extends (event: AnyPassfortEvent, context: WebhookContext) => unknown>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): void => {
    SetMetadata<string, HandlerMetadata>(HANDLER_METADATA, { events: '*' })(
      target,
      key,
      descriptor,
    );
  };
}
