import { StoreUnavailableError } from '../../errors/store-unavailable-error.js';
import { describeError, type Logger } from '../../observability/logger.js';
import type { CompletionGroup } from '../claims/completion-group.js';
import type { DeliveryOutcome } from '../delivery-outcome.js';
import { beforeDeadline, LATE } from '../time/deadline.js';
import type { BackgroundHost } from './batch-run-answer.js';

/**
 * Waits for a batch's completion writes still in flight, not past the deadline, and turns a
 * write that failed or came too late into the answer's error (`outcome.error`, unless one is
 * set already). Asked only when a write is still pending or failed: a store answering
 * synchronously (the memory store) has settled every group before the batch ends.
 */
export async function awaitCompletions(
  recorded: readonly CompletionGroup[],
  deadlineAt: number,
  outcome: DeliveryOutcome,
  logger: Logger,
  runtime: BackgroundHost | undefined,
): Promise<void> {
  let failed: CompletionGroup | undefined;
  let late = false;
  for (const group of recorded) {
    // A write still pending at the deadline goes on; the answer is then a 503 and the
    // redelivery finds the ids done, or runs them again if the write never lands.
    if (!group.settled && !late) {
      late = (await beforeDeadline(group.written(), deadlineAt).catch(() => {})) === LATE;
      // The write goes on after the answer: on Workers only under waitUntil.
      if (late) runtime?.waitUntil?.(group.written().catch(() => {}));
    }
    if (group.failed) failed ??= group;
  }
  if (late && outcome.error === undefined) {
    logger.error?.({ deadlineAt }, 'dedupe store complete did not answer in time');
    outcome.error = new StoreUnavailableError(
      'Webhooks were handled but the dedupe store did not record it before the response deadline',
    );
  }
  if (failed !== undefined && outcome.error === undefined) {
    logger.error?.({ error: describeError(failed.error) }, 'dedupe store complete failed');
    outcome.error = new StoreUnavailableError(
      'Webhooks were handled but the dedupe store could not record it',
      { cause: failed.error },
    );
  }
}
