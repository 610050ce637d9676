import type { Hono } from 'hono';
import type { Send } from './runtime-cases.ts';

/** Sends to a Hono app in the same runtime through its Web-standard `fetch`. */
export function inProcessSend(app: Hono): Send {
  return async (path, init = {}) => {
    const response = await app.fetch(new Request(`http://runtime.test${path}`, init));
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json };
  };
}
