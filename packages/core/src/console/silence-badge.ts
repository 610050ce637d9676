/**
 * The silence badge: the first thing on the dashboard while Passfort has sent nothing authentic
 * for longer than `expectWebhookWithin`. Passfort shows a stalled webhook only in its own
 * portal, so a silent sender otherwise looks exactly like a quiet day.
 */
import type { SilenceStatus } from '../observability/silence-watch.js';
import { durationText, timeTag, utcTimeTag } from './console-time.js';

/** The badge for `status().silence`; nothing when detection is off or Passfort is heard. */
export function silenceBadge(silence: SilenceStatus, now: number): string {
  const { silentSince, expectedWithinMs, lastAuthenticAt } = silence;
  if (silentSince === null || expectedWithinMs === null) return '';
  const last =
    lastAuthenticAt === null
      ? 'No authentic webhook since start-up.'
      : `Last authentic webhook ${timeTag(lastAuthenticAt, now)}.`;
  // No live region: the dashboard re-renders every 5 s and would announce it each time.
  return `<section class="silence" data-testid="silence" aria-labelledby="silence-heading">
<h2 id="silence-heading">Silent since ${utcTimeTag(silentSince, now)} — nothing authentic from Passfort within ${durationText(expectedWithinMs)}</h2>
<p>${last} Check the webhook’s status in the Passfort portal: Passfort shows a stalled or failing webhook only there. Do not turn the webhook off and on again: Passfort warns that this may lose webhooks.</p>
</section>`;
}
