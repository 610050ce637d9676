import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/**
 * A Node request as a Web `Request`, for Web-standard handlers such as the console: the URL
 * from the Host header (`https:` when the socket is TLS or `https` is set), every header, and
 * the unread body as a stream (never for GET and HEAD). `url` is the request's own path, or the
 * `originalUrl` a framework kept before it stripped its mount path.
 */
export function toWebRequest(
  req: IncomingMessage & { originalUrl?: string },
  options: { https?: boolean } = {},
): Request {
  const secure = options.https ?? (req.socket as { encrypted?: boolean }).encrypted === true;
  const url = new URL(
    req.originalUrl ?? req.url ?? '/',
    `${secure ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`,
  );
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD' && !req.readableEnded;
  return new Request(url, {
    method,
    headers,
    ...(hasBody
      ? { body: Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>, duplex: 'half' }
      : {}),
  } as RequestInit);
}

/**
 * A Web `Response`'s headers as Node writes them: each header once, `set-cookie` as the list
 * it is (a `Headers` object joins them with commas, which breaks cookies).
 */
export function nodeHeaders(response: Response): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  return headers;
}

/** Writes a Web `Response` to a Node response. */
export async function writeWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers = nodeHeaders(response);
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, { ...headers, 'content-length': body.byteLength });
  res.end(body);
}
