/**
 * The Node.js bridge shared by the Express and Koa adapters (and by any Node framework):
 * `IncomingMessage` → `WebhookRequest`, `WebhookResponse` → `ServerResponse`, and the same to
 * and from Web `Request` / `Response` for Web-standard handlers such as the console.
 * @module
 */
export { consoleForNode } from './console-for-node.js';
export { fromIncomingMessage } from './from-incoming-message.js';
export { matchesPath, requestPathname } from './matches-path.js';
export { toWebRequest, writeWebResponse } from './web-request.js';
export { writeServerResponse } from './write-server-response.js';
