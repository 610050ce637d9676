// Shared by the benchmark servers: the secret, the handler both sides run, the secret
// comparison as most code writes it, and the ready signal the harness waits for.
import { timingSafeEqual } from 'node:crypto';

export const SECRET = 'bench-webhook-secret-3f9a';

// If the harness dies without stopping us, go too (through SIGTERM, so the store servers
// still remove their keys and tables): a benchmark must leave no server behind.
process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
const expected = Buffer.from(SECRET);

/**
 * The handler every server runs for each webhook, ours and the bare routes alike: `async`, as
 * real handlers are (a database write, a queue add), without the I/O itself, so the figure is
 * the receiving code's cost. The bare routes await it per webhook, in order.
 */
export async function handleWebhook(event) {
  await null;
  return event.id;
}

/** The comparison most code uses: `Buffer.from`, a length check, `crypto.timingSafeEqual`. */
export function secretMatches(value) {
  if (typeof value !== 'string') return false;
  const presented = Buffer.from(value);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** The bare routes' authentication: the Bearer header and every envelope's secret. */
export function authentic(authorization, parsed) {
  if (typeof authorization !== 'string' || !authorization.startsWith('Bearer ')) return false;
  if (!secretMatches(authorization.slice(7))) return false;
  const list = Array.isArray(parsed) ? parsed : [parsed];
  for (const item of list) if (!secretMatches(item?.secret)) return false;
  return true;
}

/**
 * A bare route's whole job, as a user writes it: authenticate, then await the handler for each
 * webhook in order (with `dedupe`, first claim each id by hand). Returns the status to answer.
 */
export async function receive(authorization, parsed, dedupe) {
  if (!authentic(authorization, parsed)) return 401;
  for (const event of Array.isArray(parsed) ? parsed : [parsed]) {
    if (dedupe !== undefined && !(await dedupe(event.id))) continue;
    await handleWebhook(event);
  }
  return 200;
}

/**
 * A bare node:http request listener, as a user writes one: the body read from the stream,
 * parsed, then `receiveParsed(authorization, parsed)` gives the status to answer.
 */
export function bareNodeRoute(receiveParsed) {
  return (req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let parsed;
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      receiveParsed(req.headers.authorization, parsed).then((status) =>
        res.writeHead(status).end(),
      );
    });
  };
}

/**
 * Listens on a port the system picks and tells the harness which: a fixed port could be taken
 * meanwhile as the local end of some outgoing connection (they come from the same range).
 */
export function ready(server) {
  server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
}
