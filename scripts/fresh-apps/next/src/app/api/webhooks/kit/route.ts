// The README's three exports over the receiver of src/lib/passfort.ts.
import { passfortWebhooks } from '@/lib/passfort';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';
export const POST = (request: Request) => passfortWebhooks().fetch(request);
export { POST as GET, POST as OPTIONS };
