/**
 * @passfort-webhooks/koa: the receiver as a Koa middleware, and the operator console.
 * @module
 */
export { passfortConsole } from './console.js';
export {
  type KoaAdapterOptions,
  type KoaContextLike,
  type PassfortKoaMiddleware,
  passfortWebhooks,
} from './webhooks-middleware.js';
