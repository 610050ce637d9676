/**
 * The Node.js bridge shared by the Express, Koa, Fastify and Nest adapters (and by any Node
 * framework): Connect-style middlewares for the receiver and the console,
 * `IncomingMessage` → `WebhookRequest`, `WebhookResponse` → `ServerResponse`, and the same to
 * and from Web `Request` / `Response` for Web-standard handlers such as the console.
 * @module
 */
export {
  type ConnectMiddleware,
  consoleMiddleware,
  webhooksMiddleware,
} from './connect-middleware.js';
export { consoleForNode } from './console-for-node.js';
export { fromIncomingMessage } from './from-incoming-message.js';
export { matchesPath, requestPathname } from './matches-path.js';
export { nodeHeaders, toWebRequest, writeWebResponse } from './web-request.js';
export { writeServerResponse } from './write-server-response.js';
