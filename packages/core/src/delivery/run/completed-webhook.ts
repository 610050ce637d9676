import type { AnyPassfortEvent } from '../../events/passfort-event.js';
import type { CompletedWebhook } from '../../stores/dedupe-store.js';

/**
 * The profile a webhook is about: its `data.profile_id` when that is a non-empty string. Every
 * common key of Passfort's payloads is optional (PRODUCT_STATUS_CHANGED may carry none), so
 * anything else means "no profile", and the webhook takes no part in order-safe replay.
 */
export function profileIdOf(event: AnyPassfortEvent): string | undefined {
  const profileId = (event.data as { profile_id?: unknown } | undefined)?.profile_id;
  return typeof profileId === 'string' && profileId !== '' ? profileId : undefined;
}

/**
 * What `store.complete(ids, { profiles })` is told of a finished webhook that names a profile,
 * or undefined when it names none (then nothing is made: most of a batch may have no profile).
 */
export function completedWebhook(event: AnyPassfortEvent): CompletedWebhook | undefined {
  const profileId = profileIdOf(event);
  return profileId === undefined ? undefined : { id: event.id, event: event.event, profileId };
}
