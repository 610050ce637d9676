/**
 * The NestJS module of passfort-webhooks.
 * @module
 */

export { OnAnyPassfortEvent, OnPassfortEvent } from './on-passfort-event.js';
export {
  PassfortWebhooksModule,
  type PassfortWebhooksModuleAsyncOptions,
  type PassfortWebhooksModuleOptions,
} from './passfort-webhooks.module.js';
export { InjectPassfortWebhooks, PASSFORT_WEBHOOKS } from './tokens.js';
