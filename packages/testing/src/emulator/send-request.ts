import { DELIVERY_COUNTS_HEADER, parseDeliveryCounts } from '@passfort-webhooks/core/adapter';
import type { ResolvedEmulatorOptions } from './emulator-options.js';
import type { DeliveryFailure, RequestReport } from './request-report.js';

/** Connection errors that mean no connection was made: the receiver was never reached. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The innermost error code of a failed fetch (undici nests it in `cause`). */
function networkErrorCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
  return cause?.code ?? cause?.errors?.[0]?.code;
}

/**
 * One delivery attempt, as Passfort makes it: a POST with the Bearer header, aborted at the
 * deadline, redirects not followed, and the configured losses in transit. Resolves with the
 * report (without `retry`, which the queue knows); never rejects.
 */
export async function sendRequest(
  options: ResolvedEmulatorOptions,
  batch: readonly Record<string, unknown>[],
  abort: AbortController,
  isClosed: () => boolean,
): Promise<Omit<RequestReport, 'retry'>> {
  const ids = batch.map((item) => String(item['id']));
  // Both draws happen for every request, so a seeded `random` replays the same run.
  const loseBefore =
    options.lossBeforeReceiver > 0 && options.random() < options.lossBeforeReceiver;
  const loseAfter = options.lossAfterReceiver > 0 && options.random() < options.lossAfterReceiver;
  const started = performance.now();
  const done = (report: Omit<RequestReport, 'retry' | 'ids' | 'latencyMs' | 'acked'>) => ({
    ids,
    latencyMs: performance.now() - started,
    acked: report.status === 200,
    ...report,
  });
  if (loseBefore) {
    return done({
      status: null,
      failure: 'lost-before-receiver',
      error: 'lost in transit before reaching the receiver (injected)',
    });
  }
  const deadline = setTimeout(() => abort.abort(), options.deadlineMs);
  try {
    const response = await options.fetch(options.target, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${options.secret}`,
        'content-type': 'application/json',
        'user-agent': 'passfort-webhooks-emulator',
      },
      body: JSON.stringify(options.batching ? batch : batch[0]),
      // fetch follows redirects by default: a receiver that redirects (http→https, a trailing
      // slash) would look healthy here and fail against Passfort, which acks only a 200.
      redirect: 'manual',
      signal: abort.signal,
    });
    const body = await response.text();
    const status = response.status;
    const counts = parseDeliveryCounts(response.headers.get(DELIVERY_COUNTS_HEADER));
    if (loseAfter) {
      return done({
        status: null,
        failure: 'lost-after-receiver',
        error: `answer lost in transit after the receiver processed the request (it answered ${status}; injected)`,
        lostAnswer: { status, ...(counts === undefined ? {} : { counts }) },
      });
    }
    const answered = { status, body, ...(counts === undefined ? {} : { counts }) };
    if (status === 200) return done(answered);
    if (status >= 300 && status < 400) {
      const location = response.headers.get('location');
      return done({
        ...answered,
        failure: 'redirect',
        error: `HTTP ${status} redirect to ${location ?? '(no Location)'}: not followed, only a 200 acks`,
      });
    }
    return done({ ...answered, failure: 'status', error: `HTTP ${status}` });
  } catch (cause) {
    return done({ status: null, ...describeFailure(cause, abort, options, isClosed) });
  } finally {
    clearTimeout(deadline);
  }
}

function describeFailure(
  cause: unknown,
  abort: AbortController,
  options: ResolvedEmulatorOptions,
  isClosed: () => boolean,
): { failure: DeliveryFailure; error: string } {
  if (isClosed()) return { failure: 'closed', error: 'the emulator was closed' };
  if (abort.signal.aborted) {
    return {
      failure: 'deadline',
      error: `no response within the ${options.deadlineMs} ms deadline`,
    };
  }
  const code = networkErrorCode(cause);
  const reason = code ?? (cause as Error).message;
  return code !== undefined && UNREACHABLE_CODES.has(code)
    ? { failure: 'unreachable', error: `cannot reach the receiver: ${reason}` }
    : { failure: 'dropped', error: `connection closed before an answer: ${reason}` };
}
