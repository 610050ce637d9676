/** A random token of `bytes` bytes, URL-safe (sessions, CSRF tokens, CSP nonces). */
export function randomToken(bytes = 32): string {
  const random = crypto.getRandomValues(new Uint8Array(bytes));
  let text = '';
  for (const byte of random) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
