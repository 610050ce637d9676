/**
 * @passfort-webhooks/express: the receiver as an Express middleware, and the operator console.
 * @module
 */
export { passfortConsole } from './console.js';
export {
  type ExpressAdapterOptions,
  type PassfortExpressMiddleware,
  passfortWebhooks,
} from './webhooks-middleware.js';
