import { SenderSilentError } from '../../errors/sender-silent-error.js';
import type { WebhookInstrumentation } from '../../observability/instrumentation.js';
import type { Logger } from '../../observability/logger.js';
import { SilenceWatch } from '../../observability/silence-watch.js';
import { positiveInteger } from '../../options/positive-integer.js';

/** The silence watch `expectWebhookWithin` asks for; undefined when it is off. */
export function createSilenceWatch(
  expectWithinMs: number | undefined,
  logger: Logger,
  instrumentation: WebhookInstrumentation | undefined,
  notify: (error: SenderSilentError) => void,
): SilenceWatch | undefined {
  if (expectWithinMs === undefined) return undefined;
  const within = positiveInteger('expectWebhookWithin', expectWithinMs, 0);
  const watch = new SilenceWatch(within, {
    silent(since, lastAuthenticAt) {
      logger.warn?.(
        {
          silentSince: since.toISOString(),
          lastAuthenticAt: lastAuthenticAt?.toISOString() ?? null,
          expectWebhookWithin: within,
        },
        'no authentic webhook from Passfort within expectWebhookWithin: check the webhook status in the Passfort portal',
      );
      instrumentation?.silence?.(true);
      notify(new SenderSilentError(since, within));
    },
    heardAgain(silentForMs) {
      logger.info?.({ silentForMs }, 'Passfort webhooks arrive again after a silence');
      instrumentation?.silence?.(false);
    },
  });
  try {
    watch.start();
  } catch {
    // Workers refuse timers at a module's top level, where receivers are made: the watch
    // then starts with the first request or status() read.
  }
  return watch;
}
