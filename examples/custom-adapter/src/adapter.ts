/**
 * An adapter for plain node:http, as a framework author would write one for a framework the
 * project does not ship: map the request onto `webhooks.handle()` and write the result back.
 * Every shipped adapter is this, in its framework's idiom, and nothing more.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PassfortWebhooks, PassfortWebhooksOptions } from '@passfort-webhooks/core';
import { resolvePassfortWebhooks } from '@passfort-webhooks/core/adapter';
import {
  fromIncomingMessage,
  matchesPath,
  writeServerResponse,
} from '@passfort-webhooks/core/node';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A node:http request listener that answers Passfort on `path` and hands every other request
 * to `otherwise` (404 by default).
 */
export function passfortListener(
  webhooks: PassfortWebhooks | PassfortWebhooksOptions,
  options: { path?: string; otherwise?: Listener } = {},
): Listener {
  // Accept a receiver or its options, as every adapter does.
  const receiver = resolvePassfortWebhooks(webhooks);
  const { path = '/webhooks/passfort', otherwise = (_req, res) => res.writeHead(404).end() } =
    options;
  return (req, res) => {
    if (!matchesPath(req, path)) return otherwise(req, res);
    // The unread request goes in (the receiver reads it with its own size bound); the answer
    // comes out. handle() never rejects: every outcome is a response to write.
    void receiver
      .handle(fromIncomingMessage(req))
      .then((response) => writeServerResponse(res, response));
  };
}
