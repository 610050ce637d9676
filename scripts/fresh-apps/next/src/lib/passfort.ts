// The receiver kept on globalThis, created at the first request, as examples/nextjs/README.md
// describes (with the memory store: one server here). The adapter kit puts its receivers there.
import { createPassfortWebhooks, type PassfortWebhooks } from '@passfort-webhooks/core';
import { db } from './db';

const cache = globalThis as typeof globalThis & { passfortWebhooks?: PassfortWebhooks };

export function passfortWebhooks(): PassfortWebhooks {
  if (cache.passfortWebhooks === undefined) {
    const webhooks = createPassfortWebhooks({ secret: process.env.PASSFORT_WEBHOOK_SECRET! });
    webhooks.on('PRODUCT_STATUS_CHANGED', async (event) => {
      await db.applications.setStatus(event.data.application_id, event.data.new_status);
    });
    cache.passfortWebhooks = webhooks;
  }
  return cache.passfortWebhooks;
}
