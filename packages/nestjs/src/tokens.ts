import { Inject } from '@nestjs/common';

/** The injection token of the module's receiver (`PassfortWebhooks`). */
export const PASSFORT_WEBHOOKS = Symbol.for('@passfort-webhooks/nestjs:receiver');

/** The injection token of the module's resolved options (internal). */
export const MODULE_OPTIONS = Symbol.for('@passfort-webhooks/nestjs:options');

/** The injection token of the mounted route (internal: a provider made for its side effect). */
export const MOUNTED_ROUTE = Symbol.for('@passfort-webhooks/nestjs:route');

/**
 * Injects the module's receiver, for `status()` and dead letters.
 *
 * @example
 * constructor(@InjectPassfortWebhooks() private readonly webhooks: PassfortWebhooks) {}
 */
export const InjectPassfortWebhooks = (): ParameterDecorator & PropertyDecorator =>
  Inject(PASSFORT_WEBHOOKS);
