import type { BatchItem } from '../../events/validate-event-data.js';
import { describeError } from '../../observability/logger.js';
import { diffCollectedData } from '../../sync/diff-collected-data.js';
import type { DeliverySettings } from '../delivery-settings.js';
import type { CollectedDataContext, WebhookContext } from '../webhook-handler.js';

/** True for the events that carry `old_data` / `new_data` snapshots. */
export function isCollectedDataEvent(event: string): boolean {
  return event === 'COLLECTED_DATA_CHANGED' || event === 'COLLECTED_DATA_UPDATED';
}

/**
 * The context of a validated collected-data event: `changes` (computed on first read),
 * `diffAgainst`, and `isEcho` from the loop guard. Any other webhook keeps `context`.
 */
export async function withCollectedDataContext(
  { loopGuard, logger }: DeliverySettings,
  item: BatchItem,
  context: WebhookContext,
): Promise<WebhookContext | CollectedDataContext> {
  const { event } = item;
  if (!item.validated || !isCollectedDataEvent(event.event)) return context;
  const data = event.data as {
    profile_id: string;
    old_data: unknown;
    new_data: unknown;
    user?: unknown;
  };
  const diffOptions = loopGuard?.diffOptions ?? {};
  let isEcho = false;
  try {
    // The webhook's id: a redelivery of the same echo is recognised again without using up
    // another of our writes.
    isEcho =
      loopGuard === undefined ? false : await loopGuard.isEcho(data, { webhookId: event.id });
  } catch (error) {
    // Without the guard's store the webhook is treated as a real change: handlers that
    // compare with their own data (ctx.diffAgainst) still find nothing to do for an echo.
    logger.warn?.({ error: describeError(error) }, 'loop guard unavailable');
  }
  let changes: ReturnType<typeof diffCollectedData> | undefined;
  return {
    ...context,
    isEcho,
    get changes() {
      changes ??= diffCollectedData(data.old_data, data.new_data, diffOptions);
      return changes;
    },
    diffAgainst: (systemData: unknown) => diffCollectedData(systemData, data.new_data, diffOptions),
  };
}
