/**
 * The console's one escaping rule. Every value from the receiver or a payload (ids, event
 * names, error text, drift paths and enum values) passes through it before it reaches a page,
 * so no webhook can put markup on an operator's screen.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML (and inline SVG) content and quoted attributes. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}
