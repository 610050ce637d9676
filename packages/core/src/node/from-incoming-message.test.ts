import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { BodyReader } from '../receive/webhook-request.js';
import { fromIncomingMessage } from './from-incoming-message.js';

/** A request whose body arrives in the given chunks, as node:http hands them over. */
function requestOf(chunks: readonly Buffer[]): IncomingMessage {
  const stream = new PassThrough();
  Object.assign(stream, {
    method: 'POST',
    url: '/webhooks?token=x',
    headers: { 'content-type': 'application/json' },
    rawHeaders: ['Content-Type', 'application/json'],
    socket: { remoteAddress: '127.0.0.1' },
  });
  setImmediate(() => {
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
  return stream as unknown as IncomingMessage;
}

const read = (chunks: readonly Buffer[]) =>
  (fromIncomingMessage(requestOf(chunks)).body as BodyReader)(1_000_000);

describe('fromIncomingMessage: the body', () => {
  it('decodes valid UTF-8, also a character split between chunks', async () => {
    const bytes = Buffer.from('{"name":"Zoë"}');
    const split = bytes.indexOf(0xc3) + 1; // between the two bytes of ë
    expect(await read([bytes.subarray(0, split), bytes.subarray(split)])).toBe('{"name":"Zoë"}');
    expect(await read([bytes])).toBe('{"name":"Zoë"}');
  });

  it('decodes a body that holds U+FFFD itself, which is valid UTF-8', async () => {
    expect(await read([Buffer.from('{"name":"\uFFFD"}')])).toBe('{"name":"\uFFFD"}');
  });

  it('hands invalid UTF-8 on as bytes, for the receiver to refuse', async () => {
    const invalid = Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0x7d]);
    for (const chunks of [[invalid], [invalid.subarray(0, 2), invalid.subarray(2)]]) {
      const body = await read(chunks);
      expect(body).toBeInstanceOf(Uint8Array);
      expect([...(body as Uint8Array)]).toEqual([...invalid]);
    }
  });
});
