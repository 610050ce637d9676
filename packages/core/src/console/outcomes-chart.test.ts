/**
 * The "webhooks per minute" chart, from a real minute history: one column per minute of the
 * hour, bars that add up to what happened, and the same figures as text for screen readers.
 */
import { describe, expect, it } from 'vitest';
import { MinuteHistory } from '../delivery/status/minute-history.js';
import { PLOT } from './chart-frame.js';
import { niceCeiling, outcomesChart } from './outcomes-chart.js';

const NOW = Date.UTC(2025, 5, 2, 14, 30, 20);
const minutesAgo = (n: number) => NOW - n * 60_000;
const count = (html: string, pattern: RegExp) => html.match(pattern)?.length ?? 0;

describe('outcomesChart', () => {
  it('draws an empty hour as 60 empty columns and says there was nothing', () => {
    const html = outcomesChart(new MinuteHistory().lastHour(NOW));
    expect(count(html, /<g class="minute">/g)).toBe(60);
    expect(count(html, /<rect class="k-/g)).toBe(0);
    expect(html).toContain('<desc id="outcomes-desc">No webhooks in the last hour.</desc>');
    expect(html).toContain('>No webhooks in the last hour</text>');
    expect(html).not.toContain('<details'); // no empty figures table
  });

  it('stacks each minute by outcome, a dead letter counted once, and lists the figures as text', () => {
    const history = new MinuteHistory();
    history.count('processed', 3, minutesAgo(0));
    history.count('duplicates', 1, minutesAgo(0));
    // Two failed attempts, the second of which dead-lettered its webhook.
    history.count('failures', 2, minutesAgo(12));
    history.count('deadLettered', 1, minutesAgo(12));
    history.count('echoes', 1, minutesAgo(59));
    const html = outcomesChart(history.lastHour(NOW));

    expect(count(html, /<g class="minute">/g)).toBe(60);
    expect(count(html, /<rect class="k-processed"/g)).toBe(1);
    expect(count(html, /<rect class="k-failures"/g)).toBe(1);
    expect(count(html, /<rect class="k-dead-lettered"/g)).toBe(1);
    expect(html).toContain(
      '<title>12 min ago: 0 processed, 0 duplicates, 0 echoes, 1 failed, retried, 1 dead-lettered</title>',
    );
    expect(html).toContain(
      '7 in the last hour: 3 processed, 1 duplicates, 1 echoes, 1 failed, retried, 1 dead-lettered. Busiest minute this minute, with 4.',
    );
    // The figures: active minutes only, newest first.
    const rows = [...html.matchAll(/<tr><th scope="row">([^<]+)<\/th>((?:<td>\d+<\/td>)+)/g)];
    expect(rows.map((row) => row[1])).toEqual(['this minute', '12 min ago', '59 min ago']);
    expect(rows[0]![2]).toBe('<td>3</td><td>1</td><td>0</td><td>0</td><td>0</td>');
  });

  it('keeps the tallest bar inside the plot, under a round scale top', () => {
    const history = new MinuteHistory();
    history.count('processed', 7, minutesAgo(3));
    const html = outcomesChart(history.lastHour(NOW));
    const bar =
      /<rect class="k-processed" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"/.exec(
        html,
      )!;
    expect(Number(bar[1])).toBeGreaterThanOrEqual(PLOT.top);
    expect(Number(bar[1]) + Number(bar[2])).toBeCloseTo(PLOT.bottom, 0);
    expect(html).toContain('text-anchor="end">10</text>'); // 7 rounds up to a top of 10
  });

  it('rounds scale tops to 1, 2 or 5 times a power of ten', () => {
    expect([0, 1, 2, 3, 7, 20, 21, 99, 101].map(niceCeiling)).toEqual([
      1, 1, 2, 5, 10, 20, 50, 100, 200,
    ]);
  });
});
