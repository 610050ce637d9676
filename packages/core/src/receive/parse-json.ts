import { PayloadError } from '../errors/payload-error.js';
import { hasForbiddenKey } from './forbidden-keys.js';
import type { ReadBody } from './read-body.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function forbiddenKey(): PayloadError {
  return new PayloadError(
    'FORBIDDEN_KEY',
    'Body contains a forbidden key (__proto__ or constructor.prototype)',
  );
}

/**
 * Turns a read body into a JSON value. Keys that could pollute prototypes are refused, both
 * in text we parse and in values an app's body parser already produced. Error messages
 * give a position, never a piece of the body (it may hold the secret).
 */
export function parseJson(body: ReadBody): unknown {
  if (body.kind === 'parsed') {
    if (hasForbiddenKey(body.value)) throw forbiddenKey();
    return body.value;
  }
  let text: string;
  if (body.kind === 'text') {
    text = body.text;
  } else {
    try {
      text = utf8.decode(body.bytes);
    } catch {
      throw new PayloadError('INVALID_ENCODING', 'Body is not valid UTF-8');
    }
  }
  if (isBlank(text)) throw new PayloadError('INVALID_JSON', 'Body is empty');
  let value: unknown;
  try {
    // JSON.parse itself never pollutes (it defines `__proto__` as an own key); the walk
    // afterwards refuses what an app's later merge could turn into pollution.
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    const position = /position (\d+)/.exec(message)?.[1];
    throw new PayloadError(
      'INVALID_JSON',
      position === undefined
        ? 'Body is not valid JSON'
        : `Body is not valid JSON (error at position ${position})`,
    );
  }
  if (hasForbiddenKey(value)) throw forbiddenKey();
  return value;
}

/**
 * True when `text` holds only JSON whitespace. Not `text.trim() === ''`: V8's trim copies the
 * whole body (2 KB for a webhook, 5 MB for a batch) to answer what the first character does.
 */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // space, tab, line feed, carriage return
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return false;
  }
  return true;
}
