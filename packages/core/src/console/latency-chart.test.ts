/**
 * The ack latency chart, from a real minute history: p50 and p99 per minute on a log scale,
 * Passfort's 5 s batch deadline marked, and gaps where no request came.
 */
import { describe, expect, it } from 'vitest';
import { MinuteHistory } from '../delivery/status/minute-history.js';
import { PLOT } from './chart-frame.js';
import { latencyChart, latencyText } from './latency-chart.js';

const NOW = Date.UTC(2025, 5, 2, 14, 30, 20);
const minutesAgo = (n: number) => NOW - n * 60_000;
const count = (html: string, pattern: RegExp) => html.match(pattern)?.length ?? 0;

describe('latencyChart', () => {
  it('marks Passfort’s 5 s batch deadline, and says so in the name, legend and empty state', () => {
    const html = latencyChart(new MinuteHistory().lastHour(NOW));
    expect(count(html, /<g class="minute">/g)).toBe(60);
    const line =
      /<line class="deadline k-deadline" x1="([\d.]+)" x2="([\d.]+)" y1="([\d.]+)" y2="([\d.]+)"/.exec(
        html,
      )!;
    expect(Number(line[1])).toBe(PLOT.left);
    expect(Number(line[2])).toBe(PLOT.right);
    expect(line[3]).toBe(line[4]);
    // On the 1 ms–10 s log scale, 5 s is log10(5)/4 of the way up.
    const y = Number(line[3]);
    expect(y).toBeCloseTo(PLOT.bottom - (Math.log10(5000) / 4) * (PLOT.bottom - PLOT.top), 0);
    expect(html).toContain('Passfort gives up: 5 s (batch)</text>');
    expect(html).toContain('against Passfort’s 5 s deadline</title>');
    expect(html).toContain('Passfort’s 5 s deadline</li>');
    expect(html).toContain('<desc id="latency-desc">No requests in the last hour.</desc>');
    expect(count(html, /<polyline/g)).toBe(0);
  });

  it('draws p50 and p99 per answered minute, breaking the line where no request came', () => {
    const history = new MinuteHistory();
    for (const ago of [10, 9, 8, 2, 1]) history.request(20, minutesAgo(ago));
    history.request(6_000, minutesAgo(1)); // a minute whose p99 passed the deadline
    const html = latencyChart(history.lastHour(NOW));
    expect(count(html, /<polyline class="line k-p50"/g)).toBe(2);
    expect(count(html, /<polyline class="line k-p99"/g)).toBe(2);
    expect(count(html, /<circle class="k-p99"/g)).toBe(5);
    expect(html).toMatch(
      /6 requests in 5 minutes\. Highest p99 [\d.]+ s, 1 min ago\. 1 minute reached Passfort’s 5 s deadline\./,
    );
    expect(html).toMatch(/<title>1 min ago: 2 requests, p50 \d+ ms, p99 [\d.]+ s<\/title>/);
    const rows = [...html.matchAll(/<tr><th scope="row">([^<]+)<\/th><td>(\d+)<\/td>/g)];
    expect(rows.map((row) => row[1])).toEqual([
      '1 min ago',
      '2 min ago',
      '8 min ago',
      '9 min ago',
      '10 min ago',
    ]);
  });

  it('extends the scale past 10 s when a minute was slower, keeping every point in the plot', () => {
    const history = new MinuteHistory();
    history.request(90_000, minutesAgo(5));
    const html = latencyChart(history.lastHour(NOW));
    expect(html).toContain('>100 s</text>');
    for (const match of html.matchAll(/<circle class="k-p\d+" cx="[\d.]+" cy="([\d.]+)"/g)) {
      expect(Number(match[1])).toBeGreaterThanOrEqual(PLOT.top);
      expect(Number(match[1])).toBeLessThanOrEqual(PLOT.bottom);
    }
  });

  it('writes latencies in ms below a second and in s above', () => {
    expect([7, 999, 1000, 5551, 10_000].map(latencyText)).toEqual([
      '7 ms',
      '999 ms',
      '1 s',
      '5.6 s',
      '10 s',
    ]);
  });
});
