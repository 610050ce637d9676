/**
 * The recipe for a framework the project does not ship an adapter for, on plain node:http:
 * map the request onto `webhooks.handle()` and write the result back. Every shipped adapter
 * is this and nothing more.
 */
import { createServer } from 'node:http';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { fromIncomingMessage, writeServerResponse } from '@passfort-webhooks/core/node';

export function createApp(secret: string, received: string[]) {
  const webhooks = createPassfortWebhooks({ secret });
  webhooks.on('TASK_CREATED', (event) => {
    received.push(`task for ${event.data.profile_id ?? '?'}`);
  });
  webhooks.onAny((event, context) => {
    received.push(`${context.index}:${event.event}`);
  });

  const server = createServer(async (req, res) => {
    if (req.url?.startsWith('/webhooks/passfort')) {
      // The whole adapter: request in, response out. handle() never rejects.
      writeServerResponse(res, await webhooks.handle(fromIncomingMessage(req)));
      return;
    }
    res.writeHead(404).end();
  });
  return { server, webhooks };
}
