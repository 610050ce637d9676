import { PayloadError } from '../errors/payload-error.js';
import { discardRest } from './discard-body.js';
import type { BodyReader } from './webhook-request.js';

/** What a request body turned out to be once read. */
export type ReadBody =
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'parsed'; readonly value: unknown };

function tooLarge(maxBytes: number): PayloadError {
  return new PayloadError(
    'PAYLOAD_TOO_LARGE',
    `Body is larger than the limit of ${maxBytes} bytes`,
  );
}

/** What a body reader (`WebhookRequest.body` as a function) produced, as a {@link ReadBody}. */
export function readerResult(read: Uint8Array | string): ReadBody {
  return typeof read === 'string' ? { kind: 'text', text: read } : { kind: 'bytes', bytes: read };
}

function isReadableStream(body: unknown): body is ReadableStream<Uint8Array> {
  return typeof (body as ReadableStream | null)?.getReader === 'function';
}

/**
 * Reads a request body with a size bound. Streams are read chunk by chunk; past the bound the
 * rest is read and thrown away (up to the bound again, then cancelled), so an oversized body is
 * never buffered whole and its sender gets the 413 rather than a reset (see `discardBody`).
 */
export async function readBody(body: unknown, maxBytes: number): Promise<ReadBody> {
  if (body === undefined || body === null) return { kind: 'bytes', bytes: new Uint8Array(0) };
  if (typeof body === 'function') return readerResult(await (body as BodyReader)(maxBytes));
  if (typeof body === 'string') {
    // A string's UTF-8 size is at most 3 bytes per UTF-16 unit; only measure when it matters.
    if (body.length * 3 > maxBytes && new TextEncoder().encode(body).byteLength > maxBytes) {
      throw tooLarge(maxBytes);
    }
    return { kind: 'text', text: body };
  }
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) {
    const bytes = body instanceof Uint8Array ? body : new Uint8Array(body);
    if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
    return { kind: 'bytes', bytes };
  }
  if (isReadableStream(body)) return { kind: 'bytes', bytes: await readStream(body, maxBytes) };
  return { kind: 'parsed', value: body };
}

async function readStream(stream: ReadableStream<Uint8Array>, maxBytes: number) {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await discardRest(reader, maxBytes);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return concatBytes(chunks, size);
}

/** The chunks as one array of `size` bytes; a single chunk is returned as it is. */
export function concatBytes(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
