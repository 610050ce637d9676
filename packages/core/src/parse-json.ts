import secureJson from 'secure-json-parse';
import { PayloadError } from './errors.js';
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
    try {
      if (typeof body.value === 'object' && body.value !== null) {
        secureJson.scan(body.value as Record<string, unknown>);
      }
    } catch {
      throw forbiddenKey();
    }
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
  if (text.trim() === '') throw new PayloadError('INVALID_JSON', 'Body is empty');
  try {
    // A forbidden key needs `__proto__` or `constructor` in the text, spelled out or with
    // \u escapes; without any of them, plain JSON.parse is safe and skips two regex scans.
    if (!text.includes('__proto__') && !text.includes('constructor') && !text.includes('\\u')) {
      return JSON.parse(text);
    }
    return secureJson.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    if (message.includes('forbidden prototype property')) throw forbiddenKey();
    const position = /position (\d+)/.exec(message)?.[1];
    throw new PayloadError(
      'INVALID_JSON',
      position === undefined
        ? 'Body is not valid JSON'
        : `Body is not valid JSON (error at position ${position})`,
    );
  }
}
