/**
 * "Webhooks per minute": the last hour as stacked bars, one per minute, by outcome. An
 * operator sees at a glance whether traffic stopped, failures started, or dead letters piled
 * up, and when.
 */
import type { MinuteSummary } from '../delivery/status/minute-history.js';
import {
  chartFigure,
  gridLine,
  MINUTES,
  minuteAgo,
  minuteColumn,
  minuteGroup,
  PLOT,
  round,
  timeAxis,
} from './chart-frame.js';

interface Outcome {
  readonly key: string;
  readonly label: string;
  readonly of: (minute: MinuteSummary) => number;
}

// Bottom to top. `failures` counts every failed attempt, the ones that dead-lettered a
// webhook included: the bars stack the attempts that will be retried and the dead letters
// apart, so a webhook that failed for good is one unit of bar, not two.
const OUTCOMES: readonly Outcome[] = [
  { key: 'processed', label: 'Processed', of: (m) => m.processed },
  { key: 'duplicates', label: 'Duplicates', of: (m) => m.duplicates },
  { key: 'echoes', label: 'Echoes', of: (m) => m.echoes },
  {
    key: 'failures',
    label: 'Failed, retried',
    of: (m) => Math.max(0, m.failures - m.deadLettered),
  },
  { key: 'dead-lettered', label: 'Dead-lettered', of: (m) => m.deadLettered },
];

/** The smallest of 1, 2, 5, 10, 20, 50… at or above `value`: a scale top with round labels. */
export function niceCeiling(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function total(minute: MinuteSummary): number {
  return OUTCOMES.reduce((sum, outcome) => sum + outcome.of(minute), 0);
}

function breakdown(minute: MinuteSummary): string {
  return OUTCOMES.map((outcome) => `${outcome.of(minute)} ${outcome.label.toLowerCase()}`).join(
    ', ',
  );
}

/** The chart of `status().lastHour` (60 minutes, oldest first) by outcome. */
export function outcomesChart(lastHour: readonly MinuteSummary[]): string {
  const minutes = lastHour.slice(-MINUTES);
  // An hour always has 60 columns, the newest on the right, even if fewer minutes came.
  const offset = MINUTES - minutes.length;
  const top = niceCeiling(Math.max(0, ...minutes.map(total)));
  const height = PLOT.bottom - PLOT.top;
  const y = (value: number) => PLOT.bottom - (value / top) * height;
  const grid = [
    gridLine(PLOT.bottom, '0'),
    top % 2 === 0 ? gridLine(y(top / 2), String(top / 2)) : '',
    gridLine(PLOT.top, String(top)),
  ].join('');
  const columns = minutes
    .map((minute, i) => {
      const index = offset + i;
      const { x, width } = minuteColumn(index);
      let base = 0;
      const bars = OUTCOMES.map((outcome) => {
        const value = outcome.of(minute);
        if (value === 0) return '';
        const bar = `<rect class="k-${outcome.key}" x="${round(x + 0.6)}" y="${round(y(base + value))}" width="${round(width - 1.2)}" height="${round((value / top) * height)}"/>`;
        base += value;
        return bar;
      }).join('');
      const sum = total(minute);
      const tooltip =
        sum === 0 ? `${minuteAgo(index)}: none` : `${minuteAgo(index)}: ${breakdown(minute)}`;
      return minuteGroup(index, tooltip, bars);
    })
    .join('');

  const sums = OUTCOMES.map((outcome) =>
    minutes.reduce((sum, minute) => sum + outcome.of(minute), 0),
  );
  const all = sums.reduce((a, b) => a + b, 0);
  const busiest = minutes.reduce(
    (best, minute, i) => (total(minute) > total(minutes[best]!) ? i : best),
    0,
  );
  const desc =
    all === 0
      ? 'No webhooks in the last hour.'
      : `${all} in the last hour: ${OUTCOMES.map((o, i) => `${sums[i]} ${o.label.toLowerCase()}`).join(', ')}. Busiest minute ${minuteAgo(offset + busiest)}, with ${total(minutes[busiest]!)}.`;
  const active = minutes
    .map((minute, i) => ({ minute, index: offset + i }))
    .filter(({ minute }) => total(minute) > 0);
  const figures =
    active.length === 0
      ? ''
      : `<table><caption class="muted">Minutes without webhooks are left out.</caption><thead><tr><th scope="col">Minute</th>${OUTCOMES.map((o) => `<th scope="col">${o.label}</th>`).join('')}</tr></thead><tbody>${active
          .reverse()
          .map(
            ({ minute, index }) =>
              `<tr><th scope="row">${minuteAgo(index)}</th>${OUTCOMES.map((o) => `<td>${o.of(minute)}</td>`).join('')}</tr>`,
          )
          .join('')}</tbody></table>`;
  const empty =
    all === 0
      ? `<text x="${round((PLOT.left + PLOT.right) / 2)}" y="${round((PLOT.top + PLOT.bottom) / 2)}" text-anchor="middle">No webhooks in the last hour</text>`
      : '';
  return chartFigure({
    id: 'outcomes',
    caption: 'Webhooks per minute',
    title: 'Webhooks per minute by outcome, last 60 minutes',
    desc,
    shapes: `${grid}${columns}${empty}${timeAxis()}`,
    legend: OUTCOMES,
    figures,
  });
}
