// Core handle() on plain node:http: the custom-adapter recipe, with the library's defaults.
import { createServer } from 'node:http';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { fromIncomingMessage, writeServerResponse } from '@passfort-webhooks/core/node';
import { handleWebhook, ready, SECRET } from './common.mjs';

const webhooks = createPassfortWebhooks({ secret: SECRET });
webhooks.onAny(handleWebhook);
ready(
  createServer(async (req, res) =>
    writeServerResponse(res, await webhooks.handle(fromIncomingMessage(req))),
  ),
);
