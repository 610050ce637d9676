/**
 * "Ack latency per minute": p50 and p99 of the last hour against Passfort's deadline. Passfort
 * gives up on a batched request after 5 s (a single one after 10 s) and sends it again, so a
 * p99 creeping toward the line is the warning before redeliveries start.
 *
 * The scale is logarithmic: a healthy receiver answers in milliseconds, and on a linear scale
 * up to 5 s every healthy minute would be a flat line on the floor.
 */
import type { MinuteSummary } from '../delivery/status/minute-history.js';
import {
  chartFigure,
  gridLine,
  MINUTES,
  minuteAgo,
  minuteCentre,
  minuteGroup,
  PLOT,
  round,
  timeAxis,
} from './chart-frame.js';

/** Passfort's response deadline for a batched request, the shorter of its two. */
export const PASSFORT_BATCH_DEADLINE_MS = 5_000;

/** "40 ms", "1.2 s". */
export function latencyText(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}

/** The chart of `status().lastHour` (60 minutes, oldest first): ack p50 and p99. */
export function latencyChart(lastHour: readonly MinuteSummary[]): string {
  const minutes = lastHour.slice(-MINUTES);
  const offset = MINUTES - minutes.length;
  const answered = minutes
    .map((minute, i) => ({ minute, index: offset + i }))
    .filter(({ minute }) => minute.requests > 0);
  const worst = Math.max(0, ...answered.map(({ minute }) => minute.ackP99Ms));
  // From 1 ms to a power of ten above the deadline, or above the worst minute when that is later.
  const decades = Math.max(4, Math.ceil(Math.log10(Math.max(worst, 1))));
  const y = (ms: number) =>
    PLOT.bottom - (Math.log10(Math.max(1, ms)) / decades) * (PLOT.bottom - PLOT.top);
  const grid = Array.from({ length: decades + 1 }, (_, power) =>
    gridLine(y(10 ** power), latencyText(10 ** power)),
  ).join('');
  const deadlineY = round(y(PASSFORT_BATCH_DEADLINE_MS));
  // The label goes under the line: above it, the 10 s grid line is a third of a decade away.
  const deadline = `<line class="deadline k-deadline" x1="${PLOT.left}" x2="${PLOT.right}" y1="${deadlineY}" y2="${deadlineY}" stroke-dasharray="6 4"/><text class="deadline-label" x="${PLOT.right}" y="${round(deadlineY + 13)}" text-anchor="end">Passfort gives up: 5 s (batch)</text>`;

  const columns = minutes
    .map((minute, i) => {
      const index = offset + i;
      const tooltip =
        minute.requests === 0
          ? `${minuteAgo(index)}: no requests`
          : `${minuteAgo(index)}: ${minute.requests} request${minute.requests === 1 ? '' : 's'}, p50 ${latencyText(minute.ackP50Ms)}, p99 ${latencyText(minute.ackP99Ms)}`;
      return minuteGroup(index, tooltip);
    })
    .join('');
  const series = (key: 'p50' | 'p99', of: (minute: MinuteSummary) => number) => {
    // Minutes without a request have no latency: the line breaks there instead of dropping to 0.
    const runs: string[][] = [];
    let previous = -2;
    for (const { minute, index } of answered) {
      if (index !== previous + 1) runs.push([]);
      runs.at(-1)!.push(`${minuteCentre(index)},${round(y(of(minute)))}`);
      previous = index;
    }
    const lines = runs
      .filter((run) => run.length > 1)
      .map((run) => `<polyline class="line k-${key}" points="${run.join(' ')}"/>`)
      .join('');
    const dots = answered
      .map(
        ({ minute, index }) =>
          `<circle class="k-${key}" cx="${minuteCentre(index)}" cy="${round(y(of(minute)))}" r="2"/>`,
      )
      .join('');
    return lines + dots;
  };

  const over = answered.filter(({ minute }) => minute.ackP99Ms >= PASSFORT_BATCH_DEADLINE_MS);
  const requests = answered.reduce((sum, { minute }) => sum + minute.requests, 0);
  const slowest = answered.reduce<(typeof answered)[number] | undefined>(
    (best, entry) =>
      best === undefined || entry.minute.ackP99Ms > best.minute.ackP99Ms ? entry : best,
    undefined,
  );
  const desc =
    slowest === undefined
      ? 'No requests in the last hour.'
      : `${requests} request${requests === 1 ? '' : 's'} in ${answered.length} minute${answered.length === 1 ? '' : 's'}. Highest p99 ${latencyText(slowest.minute.ackP99Ms)}, ${minuteAgo(slowest.index)}. ${over.length === 0 ? 'No minute reached' : `${over.length} minute${over.length === 1 ? '' : 's'} reached`} Passfort’s 5 s deadline.`;
  const figures =
    answered.length === 0
      ? ''
      : `<table><caption class="muted">Minutes without requests are left out; latencies are read from buckets, within 25 %.</caption><thead><tr><th scope="col">Minute</th><th scope="col">Requests</th><th scope="col">p50</th><th scope="col">p99</th></tr></thead><tbody>${[
          ...answered,
        ]
          .reverse()
          .map(
            ({ minute, index }) =>
              `<tr><th scope="row">${minuteAgo(index)}</th><td>${minute.requests}</td><td>${latencyText(minute.ackP50Ms)}</td><td>${latencyText(minute.ackP99Ms)}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  const empty =
    answered.length === 0
      ? `<text x="${round((PLOT.left + PLOT.right) / 2)}" y="${round(y(30) + 4)}" text-anchor="middle">No requests in the last hour</text>`
      : '';
  return chartFigure({
    id: 'latency',
    caption: 'Ack latency per minute',
    title: 'Ack latency p50 and p99 per minute, last 60 minutes, against Passfort’s 5 s deadline',
    desc,
    shapes: `${grid}${columns}${deadline}${series('p50', (m) => m.ackP50Ms)}${series('p99', (m) => m.ackP99Ms)}${empty}${timeAxis()}`,
    legend: [
      { key: 'p50', label: 'p50' },
      { key: 'p99', label: 'p99' },
      { key: 'deadline', label: 'Passfort’s 5 s deadline' },
    ],
    figures,
  });
}
