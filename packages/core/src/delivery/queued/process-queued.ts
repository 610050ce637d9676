import { validateEventData } from '../../events/validate-event-data.js';
import { NO_SCOPE } from '../../observability/instrumentation.js';
import type { QueuedWebhook } from '../../queues/webhook-queue.js';
import { claimOne } from '../claims/claim-one.js';
import { GroupedCompletions } from '../claims/grouped-completions.js';
import { emptyOutcome } from '../delivery-outcome.js';
import type { DeliverySettings } from '../delivery-settings.js';
import { replayOnWorker } from '../replay/replay-on-worker.js';
import { endOf, startReport } from '../run/envelope-report.js';
import { webhookContext } from '../run/webhook-context.js';
import type { WebhookResult } from '../run/webhook-result.js';
import type { WebhookRunner } from '../run/webhook-runner.js';

/**
 * A queue worker's delivery of one webhook, with the same rules as inline delivery:
 * skipped if done, retried in place with backoff (so later webhooks of its lane wait and
 * order holds) until it succeeds or is dead-lettered. Rejects only when the store is
 * unreachable, for the queue to retry the job, or when `signal` aborts a wait between
 * attempts (the queue is closing): the webhook then stays queued, and the attempt that ran
 * before the wait stays counted.
 */
export async function processQueued(
  settings: DeliverySettings,
  runner: WebhookRunner,
  queued: QueuedWebhook,
  signal?: AbortSignal,
): Promise<void> {
  if (queued.replay !== undefined) return replayOnWorker(settings, runner, queued, queued.replay);
  const item = validateEventData(queued.webhook, queued.index);
  const { store, leaseMs, retryDelayMs, logger } = settings;
  for (;;) {
    signal?.throwIfAborted();
    const claim = await claimOne(settings, item.event.id);
    if (claim === undefined || claim.status === 'done') return;
    if (claim.status === 'busy') {
      await sleep(Math.min(leaseMs, retryDelayMs), signal);
      continue;
    }
    const context = webhookContext(
      item,
      queued.batchSize,
      claim.attempt,
      new Date(queued.receivedAt),
      store,
      settings.owner,
    );
    const started = Date.now();
    // The worker's span links to the request that enqueued the webhook, when it was traced.
    const origin =
      queued.traceparent === undefined ? undefined : { traceparent: queued.traceparent };
    const scope = settings.instrumentation?.delivery('worker', origin) ?? NO_SCOPE;
    const report = startReport(logger, scope, item, claim.attempt);
    const lease = settings.leases.hold(() => [item.event.id]);
    let result: WebhookResult;
    try {
      result = await report.run(() =>
        runner.run(item, context, new GroupedCompletions(store, settings)),
      );
    } finally {
      lease.release();
    }
    report.end(endOf(result, settings.redact));
    const counts = emptyOutcome(1);
    if (result.kind === 'processed') counts.processed = 1;
    else if (result.kind === 'echo') counts.echoes = 1;
    else if (result.kind === 'dead-lettered') counts.deadLettered = 1;
    scope.end({
      durationMs: Date.now() - started,
      counts,
      ...(result.kind === 'failed' ? { errorCode: result.error.code } : {}),
    });
    if (result.kind === 'processed' || result.kind === 'echo') return result.recorded.written();
    if (result.kind === 'dead-lettered') return;
    if (result.error.code === 'STORE_UNAVAILABLE') throw result.error;
    // Only this webhook's own runs are counted (the claim's attempt): the queue hands a
    // lane's head to one consumer at a time, so these waits space every attempt it gets.
    await sleep(retryDelayMs * 2 ** Math.min(claim.attempt - 1, 10), signal);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal === undefined) {
      setTimeout(resolve, ms);
      return;
    }
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
