/**
 * Headers every console answer carries, HTML, JSON, redirects and the Node bridge's own 500
 * alike: nothing cached, framed or sniffed, and a CSP that lets nothing load or run. An HTML
 * page replaces the CSP with one that allows its own nonce'd script and style; an answer
 * that is not a page needs none of that, and a browser made to render one as a document
 * still runs nothing.
 */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Not no-referrer: with it, browsers send `Origin: null` on the console's own form posts.
  'referrer-policy': 'same-origin',
  'content-security-policy':
    "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};
