/**
 * The Node.js bridge shared by the Express and Koa adapters (and by any Node framework):
 * `IncomingMessage` → `WebhookRequest`, `WebhookResponse` → `ServerResponse`.
 * @module
 */
export { fromIncomingMessage } from './from-incoming-message.js';
export { matchesPath, requestPathname } from './matches-path.js';
export { writeServerResponse } from './write-server-response.js';
