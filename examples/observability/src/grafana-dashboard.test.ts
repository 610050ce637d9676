/**
 * The Grafana dashboard is only worth shipping if its queries find something: every metric a
 * query names must be one the library emits (in its Prometheus form), and every label it
 * groups by must be one those metrics carry. A renamed metric fails here, not on a blank panel.
 */
import { readFileSync } from 'node:fs';
import { METRIC_NAMES } from '@passfort-webhooks/core/otel';
import { expect, it } from 'vitest';

const dashboard = JSON.parse(
  readFileSync(new URL('../grafana-dashboard.json', import.meta.url), 'utf8'),
) as { panels: { title: string; targets: { expr: string }[] }[] };

/** What a Prometheus exporter scrapes for each metric: dots as underscores, `_total` on counters. */
function scrapedNames(): Set<string> {
  const names = new Set<string>();
  const histograms: string[] = [METRIC_NAMES.ackDuration];
  const gauges: string[] = [METRIC_NAMES.queueDepth, METRIC_NAMES.silent];
  for (const name of Object.values(METRIC_NAMES)) {
    const base = name.replaceAll('.', '_');
    if (histograms.includes(name))
      for (const part of ['bucket', 'count', 'sum']) names.add(`${base}_${part}`);
    else if (gauges.includes(name)) names.add(base);
    else names.add(`${base}_total`);
  }
  return names;
}

const LABELS = new Set([
  'le',
  'passfort_webhook_event',
  'error_type',
  'passfort_dead_letter_reason',
  'passfort_drift_kind',
  'http_response_status_code',
]);

it('names only metrics and labels the library emits, in every query', () => {
  const emitted = scrapedNames();
  const used = new Set<string>();
  expect(dashboard.panels.length).toBeGreaterThanOrEqual(6);
  for (const panel of dashboard.panels) {
    expect(panel.targets.length, panel.title).toBeGreaterThan(0);
    for (const { expr } of panel.targets) {
      const metrics = expr.match(/passfort_webhooks_[a-z_]+/g) ?? [];
      expect(metrics.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
      for (const metric of metrics) {
        expect(emitted, `${panel.title} queries ${metric}`).toContain(metric);
        used.add(metric);
      }
      for (const [, labels] of expr.matchAll(/by \(([^)]*)\)/g)) {
        for (const label of labels!.split(',').map((l) => l.trim())) {
          expect(LABELS, `${panel.title} groups by ${label}`).toContain(label);
        }
      }
    }
  }
  // Latency, outcomes, dead letters, queue depth, drift and silence each have a panel.
  for (const metric of [
    'passfort_webhooks_ack_duration_bucket',
    'passfort_webhooks_processed_total',
    'passfort_webhooks_dead_letters_total',
    'passfort_webhooks_queue_depth',
    'passfort_webhooks_drift_total',
    'passfort_webhooks_silent',
  ]) {
    expect(used).toContain(metric);
  }
});
