/**
 * The drift panel: what Passfort sent that this version does not know yet (event names, keys,
 * enum values), so an operator learns of a new status before a handler mishandles it. Event
 * names, paths and enum values come straight from payloads: every one is escaped.
 */
import type { DriftKind, DriftReport } from '../observability/drift-report.js';
import { timeTag } from './console-time.js';
import { escapeHtml } from './escape-html.js';

const KINDS: Record<DriftKind, string> = {
  'unknown-event': 'Unknown event',
  'unknown-key': 'Unknown key',
  'unknown-enum-value': 'New enum value',
};

const NONE = '<span class="muted">—</span>';

/** The panel for `status().drift`; a one-line "nothing new" when it is empty. */
export function driftPanel(drift: DriftReport, now: number): string {
  const heading =
    '<h2 id="drift-heading">What Passfort sent that this version does not know yet</h2>';
  if (drift.entries.length === 0 && drift.more === 0) {
    return `${heading}\n<p class="muted" data-testid="no-drift">Nothing new: everything Passfort sent is known to this version.</p>`;
  }
  const rows = drift.entries
    .map(
      (entry) =>
        `<tr><td><code>${escapeHtml(entry.event)}</code></td><td>${KINDS[entry.kind] ?? escapeHtml(entry.kind)}</td><td>${entry.path === undefined ? NONE : `<code>${escapeHtml(entry.path)}</code>`}</td><td>${entry.value === undefined ? NONE : `<code>${escapeHtml(entry.value)}</code>`}</td><td>${entry.count}</td><td>${timeTag(entry.firstSeen, now)}</td><td>${timeTag(entry.lastSeen, now)}</td></tr>`,
    )
    .join('');
  const more =
    drift.more > 0
      ? `<p class="muted" data-testid="drift-more">${drift.more} more, not listed: the report keeps a bounded number of entries.</p>`
      : '';
  return `${heading}
<p class="muted">The receiver accepted these as sent. No payload value is kept: only where each was, and the new enum values themselves.</p>
${
  rows === ''
    ? ''
    : `<div class="table"><table data-testid="drift" aria-labelledby="drift-heading">
<thead><tr><th scope="col">Event</th><th scope="col">What</th><th scope="col">Where</th><th scope="col">Value</th><th scope="col">Count</th><th scope="col">First seen</th><th scope="col">Last seen</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
}
${more}`;
}
