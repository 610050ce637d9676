/**
 * The console's pages, rendered on the server: plain HTML, one stylesheet and one small script
 * inline (allowed by the page's CSP nonce), no external asset. Every value from the receiver or
 * a payload goes through `escapeHtml`; the script only swaps in HTML the server rendered, or sets
 * `textContent`.
 */

import type { WebhookStatus } from '../delivery/status/status-tracker.js';
import type { DeadLetter, ProcessedSince } from '../stores/dedupe-store.js';
import { CONSOLE_STYLE } from './console-style.js';
import { timeTag as time } from './console-time.js';
import { driftPanel } from './drift-panel.js';
import { escapeHtml } from './escape-html.js';
import { latencyChart } from './latency-chart.js';
import { outcomesChart } from './outcomes-chart.js';
import { silenceBadge } from './silence-badge.js';

/** A dead letter as the console shows it: its webhook masked, without its profile id. */
export interface ConsoleDeadLetter extends Omit<DeadLetter, 'profileId'> {
  /**
   * The webhooks for its profile processed after it was set aside (ids, events, times);
   * absent when the store could not say.
   */
  readonly superseded?: ProcessedSince;
}

/** What the dashboard shows. */
export interface ConsoleView {
  readonly status: WebhookStatus;
  readonly deadLetters: readonly ConsoleDeadLetter[];
  readonly now: number;
}

/** "1 newer webhook", "3 newer webhooks". */
export function supersededText(count: number): string {
  return `${count} newer webhook${count === 1 ? '' : 's'}`;
}

function layout(title: string, nonce: string, body: string, script = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">${CONSOLE_STYLE}</style>
</head>
<body>
${body}
${script === '' ? '' : `<script nonce="${nonce}">${script}</script>`}
</body>
</html>`;
}

/** The sign-in form; `error` says why the last attempt failed. */
export function signInPage(path: string, nonce: string, error?: string): string {
  return layout(
    'Sign in — Passfort webhooks console',
    nonce,
    `<main>
<form class="sign-in" method="post" action="${escapeHtml(path)}/sign-in">
  <h1>Passfort webhooks console</h1>
  <label for="token">Console token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
  ${error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>`}
  <button class="primary" type="submit">Sign in</button>
  <p class="muted">The console token is set where the console is mounted; it is not the webhook secret.</p>
</form>
</main>`,
  );
}

function queueCard(status: WebhookStatus): string {
  const { queue } = status;
  if (queue === 'empty') return '<span class="state-empty">Empty</span>';
  if (queue === 'stalled') return '<span class="state-stalled">Stalled</span>';
  return `<span class="state-waiting">Waiting: ${queue.waiting}</span>`;
}

/** The part of the dashboard that refreshes: everything the receiver reports. */
export function dashboardMain(view: ConsoleView): string {
  const { status, deadLetters, now } = view;
  const { counts, ackLatencyMs } = status;
  const card = (label: string, value: string, id: string) =>
    `<div class="card"><div class="label" id="${id}-label">${label}</div><div class="value" aria-labelledby="${id}-label" data-testid="${id}">${value}</div></div>`;
  const latency =
    ackLatencyMs.count === 0
      ? '<span class="muted">no requests yet</span>'
      : `${ackLatencyMs.p50} / ${ackLatencyMs.p90} / ${ackLatencyMs.p99} ms`;
  const failures =
    status.recentFailures.length === 0
      ? '<p class="muted" data-testid="no-failures">No failures since start-up.</p>'
      : `<div class="table"><table data-testid="failures">
<caption class="muted">The ten most recent failed attempts, newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">Webhook id</th><th scope="col">Event</th><th scope="col">Attempts</th><th scope="col">Error</th></tr></thead>
<tbody>${status.recentFailures
          .map(
            (failure) =>
              `<tr><td>${time(failure.at, now)}</td><td><code>${escapeHtml(failure.id)}</code></td><td>${escapeHtml(failure.event)}</td><td>${failure.attempts}${failure.deadLettered ? ' (dead-lettered)' : ''}</td><td>${escapeHtml(failure.error)}</td></tr>`,
          )
          .join('')}</tbody></table></div>`;
  const superseded = (letter: ConsoleDeadLetter, row: number): string => {
    const count = letter.superseded?.count ?? 0;
    if (count === 0) return '';
    const listed = letter.superseded!.webhooks;
    const more = count - listed.length;
    return `<div class="superseded" data-testid="superseded"><p id="superseded-${row}">Superseded by ${supersededText(count)} for this profile</p>
<details id="superseded-which-${escapeHtml(letter.id)}"><summary>Which</summary><ul>${listed
      .map(
        (webhook) =>
          `<li><code>${escapeHtml(webhook.id)}</code> ${escapeHtml(webhook.event)}, processed ${time(webhook.processedAt, now)}</li>`,
      )
      .join('')}</ul>${more > 0 ? `<p class="muted">and ${more} more</p>` : ''}</details>
<button type="button" class="danger" data-action="replay-anyway" data-id="${escapeHtml(letter.id)}" data-count="${count}" aria-label="Replay ${escapeHtml(letter.id)} anyway">Replay anyway</button></div>`;
  };
  const letters =
    deadLetters.length === 0
      ? '<p class="muted" data-testid="no-dead-letters">No dead letters.</p>'
      : `<div class="table"><table data-testid="dead-letters">
<thead><tr><th scope="col">Webhook id</th><th scope="col">Event</th><th scope="col">Reason</th><th scope="col">Attempts</th><th scope="col">Set aside</th><th scope="col">Actions</th></tr></thead>
<tbody>${deadLetters
          .map(
            (letter, row) =>
              `<tr data-id="${escapeHtml(letter.id)}"><td><code>${escapeHtml(letter.id)}</code></td><td>${escapeHtml(letter.event)}</td><td>${escapeHtml(letter.reason)}<br><span class="muted">${escapeHtml(letter.error)}</span></td><td>${letter.attempts}</td><td>${time(letter.failedAt, now)}</td>
<td><div class="actions"><button type="button" data-action="inspect" data-id="${escapeHtml(letter.id)}" aria-label="Inspect ${escapeHtml(letter.id)}">Inspect</button><button type="button" class="primary" data-action="replay" data-id="${escapeHtml(letter.id)}" aria-label="Replay ${escapeHtml(letter.id)}"${(letter.superseded?.count ?? 0) > 0 ? ` aria-describedby="superseded-${row}"` : ''}>Replay</button><button type="button" class="danger" data-action="delete" data-id="${escapeHtml(letter.id)}" aria-label="Delete ${escapeHtml(letter.id)}">Delete</button></div>${superseded(letter, row)}</td></tr>`,
          )
          .join('')}</tbody></table></div>`;
  return `${silenceBadge(status.silence, now)}
<h2 id="state-heading">Receiver</h2>
<div class="cards" role="group" aria-labelledby="state-heading">
${card('Queue', queueCard(status), 'queue')}
${card('Last processed', time(status.lastProcessedAt, now), 'last-processed')}
${card('Dead letters', String(status.deadLetters), 'dead-letter-count')}
${card('Ack latency p50 / p90 / p99', latency, 'latency')}
</div>
<h2 id="last-hour-heading">Last hour</h2>
<div class="charts" role="group" aria-labelledby="last-hour-heading">
${outcomesChart(status.lastHour)}
${latencyChart(status.lastHour)}
</div>
<h2 id="counts-heading">Since start-up</h2>
<div class="cards" role="group" aria-labelledby="counts-heading">
${card('Received', String(counts.received), 'count-received')}
${card('Processed', String(counts.processed), 'count-processed')}
${card('Duplicates', String(counts.duplicates), 'count-duplicates')}
${card('Echoes', String(counts.echoes), 'count-echoes')}
${card('Failures', String(counts.failures), 'count-failures')}
${card('Dead-lettered', String(counts.deadLettered), 'count-dead-lettered')}
</div>
<h2>Recent failures</h2>
${failures}
<h2>Dead letters</h2>
${letters}
${driftPanel(status.drift, now)}
<p class="muted">Updated ${time(now, now)}.</p>`;
}

// Event delegation only: the CSP allows no inline handlers. Every request carries the session
// cookie (same origin) and, when it changes state, the CSRF token from the page.
const SCRIPT = `
const path = document.body.dataset.path;
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const main = document.getElementById('main');
const message = document.getElementById('message');
const dialog = document.getElementById('inspect');
const payload = document.getElementById('payload');
const reveal = document.getElementById('reveal');
let inspecting = null;
const say = (text, isError) => { message.textContent = text; message.className = isError ? 'error' : ''; };
async function refresh() {
  const res = await fetch(path + '/fragment', { credentials: 'same-origin', cache: 'no-store' });
  if (res.status === 401) { location.reload(); return; }
  if (!res.ok) return;
  // An opened <details> (a chart's figures, what superseded a letter) stays open across refreshes.
  const open = [...main.querySelectorAll('details[open][id]')].map((details) => details.id);
  main.innerHTML = await res.text();
  for (const id of open) document.getElementById(id)?.setAttribute('open', '');
}
async function post(action, id) {
  const route = action === 'replay-anyway' ? 'replay?ifSuperseded=run' : action;
  const res = await fetch(path + '/dead-letters/' + encodeURIComponent(id) + '/' + route, {
    method: 'POST', credentials: 'same-origin', headers: { 'x-csrf-token': csrf },
  });
  const body = await res.json().catch(() => ({}));
  return { ok: res.ok, body };
}
async function show(id, revealed) {
  const res = await fetch(path + '/dead-letters/' + encodeURIComponent(id) + (revealed ? '?reveal=1' : ''), { credentials: 'same-origin', cache: 'no-store' });
  const body = await res.json();
  payload.textContent = JSON.stringify(body.webhook, null, 2);
  reveal.hidden = revealed;
  document.getElementById('inspect-title').textContent = 'Dead letter ' + id + (revealed ? '' : ' (values hidden)');
}
main.addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const { action, id } = button.dataset;
  if (action === 'inspect') { inspecting = id; await show(id, false); dialog.showModal(); return; }
  if (action === 'delete' && !confirm('Delete dead letter ' + id + ' without running it?')) return;
  if (action === 'replay-anyway' && !confirm('Replay ' + id + ' anyway? ' + button.dataset.count + ' newer webhook(s) for this profile were processed after it was set aside: running it may roll their state back. Its handlers see ctx.replay.')) return;
  button.disabled = true;
  const result = await post(action, id);
  const replaying = action !== 'delete';
  if (result.ok) say(!replaying ? 'Deleted ' + id + '.' : result.body.outcome === 'enqueued' ? 'Sent ' + id + ' to the workers: it is removed once their handlers ran it.' : 'Replayed ' + id + ': ' + result.body.handlers + ' handler(s) ran and it was removed.', false);
  else {
    const error = result.body.error || {};
    const what = error.code === 'DEAD_LETTER_SUPERSEDED' ? ' refused: ' : ' failed: ';
    say((replaying ? 'Replay of ' : 'Delete of ') + id + what + (error.message || 'unknown error'), true);
  }
  await refresh();
});
reveal.addEventListener('click', () => inspecting && show(inspecting, true));
document.getElementById('close').addEventListener('click', () => dialog.close());
document.getElementById('refresh').addEventListener('click', async () => { await refresh(); say('Refreshed.', false); });
setInterval(refresh, 5000);
`;

/** The dashboard: the refreshing part, the inspect dialog, sign-out and refresh. */
export function dashboardPage(
  path: string,
  nonce: string,
  csrf: string,
  view: ConsoleView,
): string {
  return layout(
    'Passfort webhooks console',
    nonce,
    `<header>
<h1>Passfort webhooks console</h1>
<div class="actions">
<button type="button" id="refresh">Refresh</button>
<form method="post" action="${escapeHtml(path)}/sign-out"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><button type="submit">Sign out</button></form>
</div>
</header>
<div id="message" role="status" aria-live="polite"></div>
<main id="main">${dashboardMain(view)}</main>
<dialog id="inspect" aria-labelledby="inspect-title">
<h2 id="inspect-title">Dead letter</h2>
<p class="muted">The webhook as received, without its secret. Payloads hold personal data: values stay hidden until you reveal them, and revealing is logged.</p>
<pre id="payload" data-testid="payload"></pre>
<div class="actions"><button type="button" id="reveal">Reveal values</button><button type="button" id="close" class="primary">Close</button></div>
</dialog>`,
    SCRIPT,
  )
    .replace('<body>', `<body data-path="${escapeHtml(path)}">`)
    .replace(
      '<meta name="referrer" content="same-origin">',
      `<meta name="referrer" content="same-origin">\n<meta name="csrf-token" content="${escapeHtml(csrf)}">`,
    );
}
