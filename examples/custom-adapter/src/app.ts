/**
 * An app on plain node:http using the adapter in `adapter.ts`.
 */
import { createServer } from 'node:http';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { passfortListener } from './adapter.js';

export function createApp(secret: string, received: string[]) {
  const webhooks = createPassfortWebhooks({ secret });
  webhooks.on('TASK_CREATED', (event) => {
    received.push(`task for ${event.data.profile_id ?? '?'}`);
  });
  webhooks.onAny((event, context) => {
    received.push(`${context.index}:${event.event}`);
  });
  const server = createServer(passfortListener(webhooks, { path: '/webhooks/passfort' }));
  return { server, webhooks };
}
