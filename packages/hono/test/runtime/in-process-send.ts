import { DELIVERY_COUNTS_HEADER, parseDeliveryCounts } from '@passfort-webhooks/core/adapter';
import type { Hono } from 'hono';
import type { Reply, Send } from './runtime-cases.ts';

/** A response as the cases read it: its status, its JSON body if it has one, its counts. */
export async function toReply(response: {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}): Promise<Reply> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return {
    status: response.status,
    json,
    counts: parseDeliveryCounts(response.headers.get(DELIVERY_COUNTS_HEADER)),
  };
}

/** Sends to a Hono app in the same runtime through its Web-standard `fetch`. */
export function inProcessSend(app: Hono): Send {
  return async (path, init = {}) =>
    toReply(await app.fetch(new Request(`http://runtime.test${path}`, init)));
}
