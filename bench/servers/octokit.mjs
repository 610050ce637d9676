// The public peer: @octokit/webhooks' Node middleware receiving a signed GitHub-style payload.
import { createServer } from 'node:http';
import { createNodeMiddleware, Webhooks } from '@octokit/webhooks';
import { handleWebhook, ready, SECRET } from './common.mjs';

const webhooks = new Webhooks({ secret: SECRET });
webhooks.on('issues', handleWebhook);
ready(createServer(createNodeMiddleware(webhooks, { path: '/webhooks' })));
