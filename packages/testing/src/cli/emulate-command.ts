/**
 * `passfort-webhooks emulate`: a realistic stream of webhooks through the emulator, with
 * Passfort's batching, retries and losses, and a summary. It stops at once on an answer no
 * retry can fix (a configuration problem) and when the target was never reached.
 */
import { parseArgs } from 'node:util';
import type { PassfortEventName } from '@passfort-webhooks/core';
import { createEmulator, type Emulator } from '../emulator.js';
import { formatSummary, percentile } from '../format-summary.js';
import { number, required, targetUrl, UsageError } from './arguments.js';
import { help } from './help-text.js';

/** Answers no retry can fix, and what each usually means. */
const REDIRECT = 'the receiver redirects, and Passfort follows no redirect: use the final URL';
const CONFIGURATION_STATUSES = new Map<number, string>([
  [301, REDIRECT],
  [302, REDIRECT],
  [303, REDIRECT],
  [307, REDIRECT],
  [308, REDIRECT],
  [401, 'wrong --secret'],
  [403, "this address is not on the receiver's allow list"],
  [404, 'no receiver at --target: check the path'],
  [405, 'the route does not accept POST'],
  [413, "the body is over the receiver's or its body parser's limit"],
]);

const MIX: readonly PassfortEventName[] = [
  'PRODUCT_STATUS_CHANGED',
  'CHECK_COMPLETED',
  'COLLECTED_DATA_CHANGED',
  'TASK_CREATED',
  'TASK_STATE_CHANGED',
  'RISK_LEVEL_CHANGED',
  'PRODUCT_BADGE_CHANGED',
  'EVENTS_CREATED',
];

/** Runs `emulate`; resolves to the exit code. */
export async function emulate(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      target: { type: 'string' },
      secret: { type: 'string' },
      batch: { type: 'boolean' },
      events: { type: 'string' },
      rate: { type: 'string' },
      'loss-before': { type: 'string' },
      'loss-after': { type: 'string' },
      'fail-rate': { type: 'string' },
      'time-scale': { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return help('emulate');
  const target = targetUrl(values.target);
  const secret = required('secret', values.secret);
  const events = number('events', values.events, 100, 1);
  const rate = number('rate', values.rate, 50, 0.001);
  if (values['fail-rate'] !== undefined && values['loss-before'] !== undefined) {
    throw new UsageError('--fail-rate is the old name of --loss-before: give one of them');
  }
  const lossBeforeReceiver = number(
    values['fail-rate'] === undefined ? 'loss-before' : 'fail-rate',
    values['loss-before'] ?? values['fail-rate'],
    0,
    0,
    1,
  );
  const lossAfterReceiver = number('loss-after', values['loss-after'], 0, 0, 1);
  const timeScale = number('time-scale', values['time-scale'], 0.01, 0.000001);
  const timeoutMs = number('timeout', values.timeout, 120, 1) * 1000;
  const tty = process.stdout.isTTY === true;
  let lastPrint = 0;
  let lastStatus = '—';
  // A status that says the receiver is set up wrongly: retrying cannot help, so stop.
  let fatal: { status: number; body: string } | undefined;
  // No connection before any answer: the target is wrong or down (exit 3). Once it has
  // answered, a refused connection is a restart, retried as Passfort would.
  let unreachable: string | undefined;
  let answered = false;
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const emulator: Emulator = createEmulator({
    target,
    secret,
    batching: values.batch === true,
    timeScale,
    lossBeforeReceiver,
    lossAfterReceiver,
    // Retry waits and batch intervals are scaled; the receiver still gets Passfort's real deadlines.
    deadlineMs: { batched: 5_000, single: 10_000 },
    onRequest: (report) => {
      lastStatus = report.status === null ? (report.error ?? 'no answer') : String(report.status);
      if (report.status !== null || report.lostAnswer !== undefined) answered = true;
      if (report.status !== null && CONFIGURATION_STATUSES.has(report.status) && !fatal) {
        fatal = {
          status: report.status,
          body: report.failure === 'redirect' ? (report.error ?? '') : (report.body ?? ''),
        };
        stop();
      }
      if (report.failure === 'unreachable' && !answered && unreachable === undefined) {
        unreachable = report.error ?? 'no connection';
        stop();
      }
      const now = Date.now();
      if (tty || now - lastPrint > 1000) {
        lastPrint = now;
        progress();
      }
    },
  });
  function progress() {
    const { emitted, acked, requests, failedRequests } = emulator.stats;
    const line = `requests ${requests} (failed ${failedRequests}, last ${lastStatus}) · webhooks sent ${emitted}, acked ${acked}, waiting ${emitted - acked}`;
    if (tty) process.stdout.write(`\r${line}   `);
    else console.log(line);
  }
  const started = Date.now();
  for (let i = 0; i < events && fatal === undefined && unreachable === undefined; i++) {
    emulator.emit(MIX[i % MIX.length]!);
    await new Promise((resolve) => setTimeout(resolve, 1000 / rate));
  }
  let drained = true;
  try {
    await Promise.race([emulator.drain({ timeoutMs }), stopped]);
    if (fatal !== undefined || unreachable !== undefined) drained = false;
  } catch {
    drained = false;
  }
  progress();
  if (tty) process.stdout.write('\n');
  if (unreachable !== undefined) {
    await emulator.close();
    console.error(`cannot reach ${target}: ${unreachable}`);
    return 3;
  }
  if (fatal !== undefined) {
    await emulator.close();
    console.error(
      `stopped: the receiver answered ${fatal.status} (${CONFIGURATION_STATUSES.get(fatal.status)}); Passfort would retry this for ever. ${fatal.body}`.trim(),
    );
    return 1;
  }
  const { stats } = emulator;
  const status = emulator.status();
  await emulator.close();
  const latencies = [...stats.ackLatenciesMs].sort((a, b) => a - b);
  console.log(
    formatSummary([
      ['events', String(stats.emitted)],
      ['requests', String(stats.requests)],
      ['retries (failed requests)', String(stats.failedRequests)],
      ['  lost before the receiver', String(stats.lostBeforeReceiver)],
      ['  processed, answer lost', String(stats.lostAfterReceiver)],
      ['ack latency p50', `${percentile(latencies, 50).toFixed(1)} ms`],
      ['ack latency p99', `${percentile(latencies, 99).toFixed(1)} ms`],
      ['duration', `${((Date.now() - started) / 1000).toFixed(1)} s`],
      [
        'queue at the end',
        typeof status.queue === 'string' ? status.queue : `${status.queue.waiting} waiting`,
      ],
      ...(status.recentFailures[0] === undefined
        ? []
        : ([['last failure', status.recentFailures[0].error]] as const)),
    ]),
  );
  return drained ? 0 : 1;
}
