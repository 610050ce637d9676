// The bare node:http route given the guarantees the receiver gives, written the way a user
// would: each webhook's data checked with zod (the library's public schemas, `safeParse`), and
// handled ids remembered in a Map (a million at most, oldest forgotten first) so that a
// redelivered webhook is skipped. Not one of issue 23's baselines: it shows what the
// receiver's own work (validation, dedupe) costs when a user writes it by hand.
import { createServer } from 'node:http';
import { eventDataSchemas } from '@passfort-webhooks/core';
import { authentic, bareNodeRoute, handleWebhook, ready } from './common.mjs';

const handled = new Map();
const schemas = new Map(Object.entries(eventDataSchemas));

async function receiveGuarded(authorization, parsed) {
  if (!authentic(authorization, parsed)) return 401;
  for (const event of Array.isArray(parsed) ? parsed : [parsed]) {
    if (handled.has(event.id)) continue;
    const schema = schemas.get(event.event);
    if (schema !== undefined && !schema.safeParse(event.data).success) return 400;
    await handleWebhook(event);
    handled.set(event.id, Date.now());
    if (handled.size > 1_000_000) handled.delete(handled.keys().next().value);
  }
  return 200;
}

ready(createServer(bareNodeRoute(receiveGuarded)));
