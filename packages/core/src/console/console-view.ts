/**
 * What the console shows of the receiver: its status and its dead letters, as the dashboard
 * and `/state.json` answer them and a single letter's inspect does. Everything shown passes
 * here first, so failure text is always scrubbed of secrets and payload values stay masked
 * unless an operator asks to reveal them.
 */
import { describeError } from '../observability/logger.js';
import type { DeadLetter, ProcessedSince } from '../stores/dedupe-store.js';
import type { ConsoleContext } from './console-options.js';
import type { ConsoleDeadLetter, ConsoleView } from './console-page.js';
import { maskedWebhook } from './masked-webhook.js';

/** The dashboard's data: the receiver's status and its latest 100 dead letters, masked. */
export async function currentView(context: ConsoleContext): Promise<ConsoleView> {
  const { webhooks, redact } = context;
  const [status, letters] = await Promise.all([
    webhooks.status(),
    webhooks.deadLetters.list({ limit: 100 }),
  ]);
  const deadLetters = await Promise.all(
    letters.map((letter) => shownLetter(context, letter, false)),
  );
  const recentFailures = status.recentFailures.map((failure) => ({
    ...failure,
    error: redact(failure.error),
  }));
  return { status: { ...status, recentFailures }, deadLetters, now: Date.now() };
}

/**
 * A dead letter as the console answers it: values masked unless revealed, never its
 * profile id (a payload value), and what superseded it. A store that cannot say leaves
 * `superseded` out rather than failing the page: the replay still checks.
 */
export async function shownLetter(
  { webhooks, logger, redact }: ConsoleContext,
  letter: DeadLetter,
  reveal: boolean,
): Promise<ConsoleDeadLetter> {
  const { profileId: _, webhook, ...rest } = letter;
  let superseded: ProcessedSince | undefined;
  try {
    superseded = await webhooks.deadLetters.supersededBy(letter);
  } catch (error) {
    logger.warn?.(
      { id: letter.id, error: describeError(error, redact) },
      'console: could not tell whether a dead letter was superseded',
    );
  }
  return {
    ...rest,
    error: redact(rest.error),
    webhook: maskedWebhook(webhook, reveal),
    ...(superseded === undefined ? {} : { superseded }),
  };
}
