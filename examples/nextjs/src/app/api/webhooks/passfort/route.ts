/**
 * Passfort's webhooks, as an App Router route handler: `Request` in, `Response` out.
 * The Node runtime (the Postgres store needs TCP), never cached, never prerendered.
 */
import { passfortWebhooks } from '../../../../lib/passfort';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = (request: Request) => passfortWebhooks().fetch(request);
