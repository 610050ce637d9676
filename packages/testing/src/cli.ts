#!/usr/bin/env node
/**
 * passfort-webhooks — a local Passfort on the command line.
 *   send      one webhook to a receiver
 *   emulate   a realistic stream, batched or not, with retries and a summary
 *   api       the fake collected_data API
 * Exit codes: 0 success, 1 the receiver was reached and did not acknowledge (refused,
 * redirected, answered too late, dropped the connection) or the queue did not drain, 2 usage
 * error, 3 the target could not be reached (no connection was ever made).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  DELIVERY_COUNTS_HEADER,
  isPassfortEventName,
  type PassfortEventName,
  passfortEventNames,
} from '@passfort-webhooks/core';
import { createEmulator, type Emulator } from './emulator.js';
import { FakePassfortApi } from './fake-passfort-api.js';
import { formatSummary, percentile } from './format-summary.js';
import { postWebhook } from './post-webhook.js';
import { webhookEnvelope } from './test-kit.js';

class UsageError extends Error {}

const HELP: Record<string, string> = {
  main: `passfort-webhooks <command> [options]

Commands:
  send <EVENT>   send one webhook to a receiver
  emulate        send a realistic stream of webhooks, batched or not, with Passfort's retries
  api            serve the fake Passfort collected_data API

Run "passfort-webhooks <command> --help" for a command's options.`,
  send: `passfort-webhooks send <EVENT> --target URL --secret S [--data file.json] [--id ID] [--any-event] [--deadline S]

Sends one webhook of EVENT (e.g. PRODUCT_STATUS_CHANGED) and prints the receiver's answer.
  --target URL     the receiver, e.g. http://localhost:3000/webhooks/passfort
  --secret S       the shared webhook secret
  --data FILE      the webhook's data as JSON (default: a realistic payload)
  --id ID          the webhook id (default: a random UUID)
  --any-event      send EVENT even if Passfort documents no such event (with --data, or {})
  --deadline S     seconds to wait for the answer (default 10, Passfort's unbatched deadline)
A redirect is not followed (Passfort follows none): it is reported with its Location.
Exit: 0 on a 200; 1 on any other status, a redirect, no answer within the deadline or a
dropped connection; 2 on a usage error; 3 if no connection could be made.`,
  emulate: `passfort-webhooks emulate --target URL --secret S [options]

Sends a realistic mix of events through the emulator and prints a summary.
  --target URL       the receiver
  --secret S         the shared webhook secret
  --batch            Passfort's batching (up to 100 per request, about every 0-10 s, scaled)
  --events N         how many webhooks (default 100)
  --rate R           webhooks triggered per second (default 50)
  --loss-before P    share of requests lost before reaching the receiver, 0-1 (default 0)
  --loss-after P     share of requests processed whose answer is lost, 0-1 (default 0):
                     Passfort sends them again, and the receiver's dedupe must absorb them
  --fail-rate P      deprecated name of --loss-before
  --time-scale X     multiply retry waits and batch intervals (default 0.01); the
                     response deadlines stay Passfort's real 5 s / 10 s
  --timeout S        seconds to wait for the queue to drain (default 120)
It sends nothing but Passfort's POSTs (no probe first). It stops at once on a redirect, 401,
403, 404, 405 or 413: those are configuration problems (URL, secret, allow list, path,
method, body limit) that no retry fixes; and when no connection can be made before any
answer has arrived.
Exit: 0 when every webhook was acknowledged, 1 otherwise, 2 on a usage error, 3 if no
connection could be made.`,
  api: `passfort-webhooks api [--port P] [--api-key K] [--profiles N] [--target URL --secret S]

Serves the fake collected_data API at http://127.0.0.1:P/4.0 with N seeded profiles
(profile-1 ...). With --target and --secret, every change fires COLLECTED_DATA_CHANGED there.
  --port P         default 4010
  --api-key K      the key clients must send (default dev-api-key)
  --profiles N     default 3`,
};

function targetUrl(value: string | undefined): string {
  if (value === undefined) throw new UsageError('--target URL is required');
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    return url.toString();
  } catch {
    throw new UsageError(`--target must be an http(s) URL, got "${value}"`);
  }
}

function required(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

function number(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max = Infinity,
): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
    throw new UsageError(
      `--${name} must be a number from ${min}${max === Infinity ? '' : ` to ${max}`}, got "${value}"`,
    );
  }
  return parsed;
}

async function send(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      target: { type: 'string' },
      secret: { type: 'string' },
      data: { type: 'string' },
      id: { type: 'string' },
      'any-event': { type: 'boolean' },
      deadline: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return help('send');
  const event = positionals[0];
  if (event === undefined)
    throw new UsageError('the EVENT to send is required, e.g. PRODUCT_STATUS_CHANGED');
  if (!isPassfortEventName(event) && values['any-event'] !== true) {
    const close = passfortEventNames.find((name) => name === event.toUpperCase());
    throw new UsageError(
      close !== undefined
        ? `unknown event "${event}": did you mean ${close}? (event names are upper case)`
        : `unknown event "${event}"; Passfort's events are:\n  ${passfortEventNames.join('\n  ')}\n(--any-event sends it anyway)`,
    );
  }
  const target = targetUrl(values.target);
  const secret = required('secret', values.secret);
  const deadlineMs = number('deadline', values.deadline, 10, 0.001) * 1000;
  let data: Record<string, unknown> | undefined;
  if (values.data !== undefined) {
    try {
      data = JSON.parse(readFileSync(values.data, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`--data ${values.data}: ${(error as Error).message}`);
    }
  }
  const envelope = isPassfortEventName(event)
    ? webhookEnvelope(event, data as never, { secret, ...(values.id ? { id: values.id } : {}) })
    : {
        id: values.id ?? crypto.randomUUID(),
        event,
        secret,
        timestamp: Math.floor(Date.now() / 1000),
        data: data ?? {},
      };
  const outcome = await postWebhook(
    new URL(target),
    JSON.stringify(envelope),
    { authorization: `Bearer ${secret}`, 'user-agent': 'passfort-webhooks-cli' },
    deadlineMs,
  );
  const notDelivered = (reason: string) => {
    // Passfort counts only a 200 as delivered: anything else it would send again.
    console.error(reason);
    console.error(`not delivered: ${envelope.event} ${envelope.id}`);
    return 1;
  };
  if (outcome.kind === 'unreachable') {
    console.error(`cannot reach ${target}: ${outcome.reason}`);
    return 3;
  }
  if (outcome.kind === 'no-answer') {
    return notDelivered(
      `no answer within the deadline (${outcome.deadlineMs / 1000} s): the receiver was reached but did not answer in time`,
    );
  }
  if (outcome.kind === 'dropped') {
    return notDelivered(`the connection closed before an answer: ${outcome.reason}`);
  }
  // A receiver's 200 has no body: its counts come in a header (errors carry a JSON body).
  const counts = outcome.headers[DELIVERY_COUNTS_HEADER];
  const answer = [String(outcome.status), counts, outcome.body].filter(Boolean).join(' ');
  if (outcome.status >= 300 && outcome.status < 400) {
    return notDelivered(
      `refused: ${outcome.status} redirect to ${outcome.headers.location ?? '(no Location)'}: Passfort follows no redirect, so use the final URL as --target`,
    );
  }
  if (outcome.status !== 200) return notDelivered(`refused: ${answer}`);
  console.log(answer);
  console.log(`delivered ${envelope.event} ${envelope.id}`);
  return 0;
}

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

async function emulate(args: string[]): Promise<number> {
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

async function api(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      'api-key': { type: 'string' },
      profiles: { type: 'string' },
      target: { type: 'string' },
      secret: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return help('api');
  const port = number('port', values.port, 4010, 0, 65535);
  const apiKey = values['api-key'] ?? 'dev-api-key';
  const fake = new FakePassfortApi({ apiKey });
  for (let i = 1; i <= number('profiles', values.profiles, 3, 0); i++) fake.seed(`profile-${i}`);
  if (values.target !== undefined) {
    fake.connect(
      createEmulator({
        target: targetUrl(values.target),
        secret: required('secret', values.secret),
      }),
    );
  }
  const baseUrl = await fake.listen(port);
  console.log(
    `fake Passfort API on ${baseUrl} (apikey: header required; profiles: ${[...fake.profiles.keys()].join(', ')})`,
  );
  await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
  await fake.close();
  return 0;
}

function help(command: string): number {
  console.log(HELP[command]);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'send') return await send(rest);
    if (command === 'emulate') return await emulate(rest);
    if (command === 'api') return await api(rest);
    if (command === '--help' || command === '-h' || command === 'help') return help('main');
    if (command === undefined) throw new UsageError('a command is required');
    throw new UsageError(`unknown command "${command}"`);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      console.error(
        `passfort-webhooks: ${(error as Error).message}\n\n${HELP[command ?? 'main'] ?? HELP['main']}`,
      );
      return 2;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
