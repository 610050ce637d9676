/**
 * What the console's two last-hour charts share: the drawing area, one column per minute,
 * the time axis, and the figure around the SVG (caption, legend, figures as text).
 *
 * The SVG is written by the server into the page and into every `/fragment` refresh, so it
 * needs no script and no asset. Under the page's CSP (`style-src 'nonce-…'`, no
 * 'unsafe-inline') a `style` attribute would be refused, so shapes carry only geometry
 * and classes, and the nonce'd stylesheet colours them in light and dark mode.
 *
 * The viewBox is about as wide as a phone's content column: its text (12 units, 14 on a
 * phone, see the stylesheet) reads as about 12 px at 390 px and scales up on a desktop.
 */
import { escapeHtml } from './escape-html.js';

export const CHART_WIDTH = 360;
export const CHART_HEIGHT = 170;
/** The plot area inside the viewBox; the left margin holds the value labels. */
export const PLOT = { left: 58, right: CHART_WIDTH - 6, top: 10, bottom: CHART_HEIGHT - 22 };
export const MINUTES = 60;

const STEP = (PLOT.right - PLOT.left) / MINUTES;

/** Rounds for the SVG source: shorter markup, and the same output for the same input. */
export function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** The left edge of minute `index` (0 is the oldest of the hour) and its width. */
export function minuteColumn(index: number): { x: number; width: number } {
  return { x: round(PLOT.left + index * STEP), width: round(STEP) };
}

/** The centre of minute `index`. */
export function minuteCentre(index: number): number {
  return round(PLOT.left + (index + 0.5) * STEP);
}

/** How long ago minute `index` of the hour began, as the axis and the figures say it. */
export function minuteAgo(index: number): string {
  const ago = MINUTES - 1 - index;
  return ago === 0 ? 'this minute' : `${ago} min ago`;
}

/** A horizontal grid line across the plot at `y`, labelled `label` on the left. */
export function gridLine(y: number, label: string): string {
  return `<line class="grid" x1="${PLOT.left}" x2="${PLOT.right}" y1="${round(y)}" y2="${round(y)}"/><text x="${PLOT.left - 4}" y="${round(y + 4)}" text-anchor="end">${escapeHtml(label)}</text>`;
}

/** The time axis: an hour ago on the left, now on the right. */
export function timeAxis(): string {
  const y = CHART_HEIGHT - 6;
  return `<text x="${PLOT.left}" y="${y}">60 min ago</text><text x="${round((PLOT.left + PLOT.right) / 2)}" y="${y}" text-anchor="middle">30 min ago</text><text x="${PLOT.right}" y="${y}" text-anchor="end">now</text>`;
}

/**
 * A minute's column: a transparent hover target, the minute's shapes, and a `<title>` that
 * shows its figures as a tooltip. Screen readers skip it (the SVG is one image) and read the
 * figures table instead.
 */
export function minuteGroup(index: number, tooltip: string, shapes = ''): string {
  const { x, width } = minuteColumn(index);
  return `<g class="minute"><title>${escapeHtml(tooltip)}</title><rect class="hit" x="${x}" y="${PLOT.top}" width="${width}" height="${PLOT.bottom - PLOT.top}"/>${shapes}</g>`;
}

/** One entry of a chart's legend: a swatch of class `k-<key>` and its label. */
export interface LegendEntry {
  readonly key: string;
  readonly label: string;
}

/** The figure: caption, the SVG (an image named by its title, described by its desc). */
export interface ChartFigure {
  /** Unique on the page: prefixes the ids and names the test id `<id>-chart`. */
  readonly id: string;
  readonly caption: string;
  readonly title: string;
  readonly desc: string;
  /** The SVG's shapes, already escaped. */
  readonly shapes: string;
  readonly legend: readonly LegendEntry[];
  /** The figures as an HTML table, already escaped; empty when there is nothing to list. */
  readonly figures: string;
}

export function chartFigure(chart: ChartFigure): string {
  const { id } = chart;
  const legend = chart.legend
    .map(
      (entry) =>
        `<li><span class="swatch k-${entry.key}" aria-hidden="true"></span>${escapeHtml(entry.label)}</li>`,
    )
    .join('');
  // The details keep their id so the refresh script can keep an opened one open.
  const figures =
    chart.figures === ''
      ? ''
      : `<details id="${id}-figures"><summary>Figures per minute</summary><div class="table">${chart.figures}</div></details>`;
  return `<figure class="chart" data-testid="${id}-chart"><figcaption>${escapeHtml(chart.caption)}</figcaption>
<svg role="img" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" aria-labelledby="${id}-title" aria-describedby="${id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="${id}-title">${escapeHtml(chart.title)}</title><desc id="${id}-desc">${escapeHtml(chart.desc)}</desc>${chart.shapes}</svg>
<ul class="legend">${legend}</ul>${figures}</figure>`;
}
