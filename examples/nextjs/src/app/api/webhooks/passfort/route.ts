/**
 * Passfort's webhooks, as an App Router route handler: `Request` in, `Response` out.
 * The Node runtime (the Postgres store needs TCP), never cached, never prerendered.
 */
import { passfortWebhooks } from '../../../../lib/passfort';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = (request: Request) => passfortWebhooks().fetch(request);
// Next answers other methods itself (405, empty body, no Allow): the receiver's 405 says
// `Allow: POST` and carries the JSON error body the README documents.
export { POST as GET, POST as OPTIONS };
