// examples/nextjs/README.md's route as pasted into a create-next-app project; `db` is the app's.
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { db } from '@/lib/db';

// Created when Next loads the module, `next build` included, where the secret is not set: the
// receiver needs its secret only at the first request (then a 500 and an error log if missing).
const webhooks = createPassfortWebhooks({ secret: process.env.PASSFORT_WEBHOOK_SECRET! });
webhooks.on('PRODUCT_STATUS_CHANGED', async (event) => {
  await db.applications.setStatus(event.data.application_id, event.data.new_status);
});

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';
export const POST = (request: Request) => webhooks.fetch(request);
// Any other method gets the receiver's 405 (`Allow: POST`, a JSON error body), not Next's empty one.
export { POST as GET, POST as OPTIONS };
