/**
 * The drift panel, from a real drift tracker: one row per thing this version does not know,
 * "N more" past the cap, a short line when there is nothing, and payload text always escaped.
 */
import { describe, expect, it } from 'vitest';
import { DriftTracker } from '../observability/drift-report.js';
import { driftPanel } from './drift-panel.js';

const NOW = Date.UTC(2025, 5, 2, 14, 30, 0);

describe('driftPanel', () => {
  it('says nothing is new when the report is empty', () => {
    const html = driftPanel(new DriftTracker(10, {}).report(), NOW);
    expect(html).toContain('What Passfort sent that this version does not know yet');
    expect(html).toContain('data-testid="no-drift"');
    expect(html).not.toContain('<table');
  });

  it('lists each entry with its kind, path, enum value, count and first and last seen', () => {
    const drift = new DriftTracker(10, {});
    const change = { event: 'PRODUCT_STATUS_CHANGED', kind: 'unknown-enum-value' } as const;
    drift.record({ ...change, path: 'data.new_status', value: 'ON_HOLD' }, NOW - 600_000);
    drift.record({ ...change, path: 'data.new_status', value: 'ON_HOLD' }, NOW - 120_000);
    drift.record(
      { event: 'PRODUCT_STATUS_CHANGED', kind: 'unknown-key', path: 'data.application_note' },
      NOW - 60_000,
    );
    drift.record({ event: 'PROFILE_ARCHIVED', kind: 'unknown-event' }, NOW - 30_000);
    const html = driftPanel(drift.report(), NOW);
    const rows = [...html.matchAll(/<tr>(<td>.*?)<\/tr>/g)].map((row) =>
      [...row[1]!.matchAll(/<td>(.*?)<\/td>/g)].map((cell) => cell[1]!.replace(/<[^>]+>/g, '')),
    );
    expect(rows).toEqual([
      ['PROFILE_ARCHIVED', 'Unknown event', '—', '—', '1', '30 s ago', '30 s ago'],
      [
        'PRODUCT_STATUS_CHANGED',
        'Unknown key',
        'data.application_note',
        '—',
        '1',
        '1 min ago',
        '1 min ago',
      ],
      [
        'PRODUCT_STATUS_CHANGED',
        'New enum value',
        'data.new_status',
        'ON_HOLD',
        '2',
        '10 min ago',
        '2 min ago',
      ],
    ]);
    expect(html).not.toContain('data-testid="drift-more"');
  });

  it('counts what did not fit as "N more"', () => {
    const drift = new DriftTracker(1, {});
    for (const event of ['NEW_A', 'NEW_B', 'NEW_C', 'NEW_D']) {
      drift.record({ event, kind: 'unknown-event' }, NOW);
    }
    const html = driftPanel(drift.report(), NOW);
    expect(html).toContain('>3 more, not listed');
  });

  it('escapes event names, paths and enum values: they come from payloads', () => {
    const drift = new DriftTracker(10, {});
    drift.record({ event: '<img src=x onerror=alert(1)>', kind: 'unknown-event' }, NOW);
    drift.record(
      {
        event: 'PRODUCT_STATUS_CHANGED',
        kind: 'unknown-enum-value',
        path: 'data."><script>alert(2)</script>',
        value: "</code><svg onload=alert('3')>",
      },
      NOW,
    );
    const html = driftPanel(drift.report(), NOW);
    expect(html).not.toMatch(/<img|<script|<svg|onerror=alert\(1\)>/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('data.&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html).toContain('&lt;/code&gt;&lt;svg onload=alert(&#39;3&#39;)&gt;');
  });
});
