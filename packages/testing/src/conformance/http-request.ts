import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DELIVERY_COUNTS_HEADER, parseDeliveryCounts } from '@passfort-webhooks/core/adapter';
import type { DeliveryCounts } from '@passfort-webhooks/core/instrumentation';

/** What {@link httpRequest} got back. */
export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
  /** The delivery counts header, read. */
  counts: DeliveryCounts | undefined;
}

/** Options of {@link httpRequest}. */
export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: string | Uint8Array;
  /** Send the body in this many chunks with chunked transfer encoding (no Content-Length). */
  chunks?: number;
}

/**
 * A real HTTP request, as the adapter kit sends it. Unlike fetch, it returns the response
 * even when the server answers (413) and closes before the whole body was sent, and it can
 * send the body in slow chunks or repeat a header.
 *
 * @example
 * const res = await httpRequest(`${url}/webhooks/passfort`, { body: JSON.stringify(kitBatch(3)), headers: kitHeaders() });
 * res.status; // 200
 * res.counts; // { received: 3, processed: 3, ... }
 */
export function httpRequest(url: string, options: HttpRequestOptions = {}): Promise<HttpResult> {
  const body =
    typeof options.body === 'string' ? Buffer.from(options.body) : (options.body ?? undefined);
  const headers: Record<string, string | string[] | number> = { ...options.headers };
  if (body !== undefined && options.chunks === undefined) headers['content-length'] = body.length;
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(url, { method: options.method ?? 'POST', headers }, (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json,
          counts: parseDeliveryCounts(res.headers[DELIVERY_COUNTS_HEADER]),
        });
      });
    });
    req.on('error', (error) => {
      // A server that answers early (413) and closes can make our pending write fail
      // before the response is parsed; give the response a moment to arrive.
      setTimeout(() => {
        if (!answered) reject(error);
      }, 500);
    });
    if (body === undefined) {
      req.end();
      return;
    }
    const chunks = options.chunks ?? 1;
    const size = Math.ceil(body.length / chunks);
    const writeFrom = (offset: number) => {
      if (offset >= body.length || req.destroyed) {
        req.end();
        return;
      }
      req.write(body.subarray(offset, offset + size), () => setImmediate(writeFrom, offset + size));
    };
    writeFrom(0);
  });
}

/**
 * Starts a Node server on a free loopback port: what an adapter target's `start` returns.
 *
 * @example
 * start: (receiver) => listenOnLoopback(createServer(appMounting(receiver)))
 */
export function listenOnLoopback(
  server: Server,
): Promise<{ url: string; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
