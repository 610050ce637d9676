import { PayloadError } from '../errors/payload-error.js';

// Only types that can never carry a Passfort JSON body are refused; a missing, odd or
// text type is still parsed, because a refused webhook is retried for ever by Passfort.
const notJson = [/^application\/x-www-form-urlencoded\b/i, /^multipart\//i];

/** Throws a 415 {@link PayloadError} when the content type is clearly not JSON. */
export function checkContentType(contentType: string | readonly string[] | undefined): void {
  // What Passfort sends, answered without a regex.
  if (contentType === 'application/json') return;
  const value = typeof contentType === 'string' ? contentType.trim() : '';
  if (notJson.some((pattern) => pattern.test(value))) {
    throw new PayloadError(
      'UNSUPPORTED_MEDIA_TYPE',
      'Content type must be JSON (application/json); form and multipart bodies are refused',
    );
  }
}
