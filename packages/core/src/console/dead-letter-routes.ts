/**
 * The dead-letter actions an operator can take: inspect one (masked, or revealed and logged),
 * delete it, or replay it. A refused replay answers 409 with why, in words that name no
 * payload value, since the operator reads them in a browser and they land in the log.
 * The router has already checked the method and, for a POST, the CSRF token.
 */
import type { ReplayResult } from '../delivery/replay/dead-letters.js';
import { DeadLetterNotFoundError } from '../errors/dead-letter-not-found-error.js';
import { DeadLetterNotReplayableError } from '../errors/dead-letter-not-replayable-error.js';
import { DeadLetterSupersededError } from '../errors/dead-letter-superseded-error.js';
import { HandlerError } from '../errors/handler-error.js';
import { WebhookBusyError } from '../errors/webhook-busy-error.js';
import { describeError } from '../observability/logger.js';
import type { ConsoleContext } from './console-options.js';
import { supersededText } from './console-page.js';
import { deadLetterNotFound, json } from './console-responses.js';
import { shownLetter } from './console-view.js';

/** One dead letter, masked unless `?reveal=1`; a reveal is logged with the operator's address. */
export async function inspectDeadLetter(
  context: ConsoleContext,
  url: URL,
  ip: string,
  id: string,
): Promise<Response> {
  const { webhooks, logger } = context;
  const found = await webhooks.deadLetters.get(id);
  if (found === undefined) return deadLetterNotFound(id);
  const reveal = url.searchParams.get('reveal') === '1';
  if (reveal) logger.info?.({ ip, id }, 'console: revealed a dead letter’s payload');
  const shown = await shownLetter(context, found, reveal);
  // The profile id is a payload value: shown only with the rest of them.
  return json(
    200,
    reveal && found.profileId !== undefined ? { ...shown, profileId: found.profileId } : shown,
  );
}

export async function deleteDeadLetter(
  { webhooks, logger }: ConsoleContext,
  ip: string,
  id: string,
): Promise<Response> {
  const deleted = await webhooks.deadLetters.delete(id);
  logger.info?.({ ip, id, deleted }, 'console: deleted a dead letter');
  return deleted ? json(200, { ok: true }) : deadLetterNotFound(id);
}

/**
 * Runs a dead letter's handlers again. The replay button runs only what nothing superseded;
 * "Replay anyway" is its own POST, `?ifSuperseded=run`, behind the same CSRF check.
 */
export async function replayDeadLetter(
  { webhooks, logger, redact }: ConsoleContext,
  url: URL,
  ip: string,
  id: string,
): Promise<Response> {
  const ifSuperseded = url.searchParams.get('ifSuperseded') ?? 'skip';
  if (ifSuperseded !== 'skip' && ifSuperseded !== 'run') {
    return json(400, {
      error: { code: 'INVALID_REQUEST', message: 'ifSuperseded is skip or run' },
    });
  }
  let replayed: ReplayResult;
  try {
    replayed = await webhooks.deadLetters.replay(id, { ifSuperseded });
  } catch (error) {
    if (DeadLetterNotFoundError.is(error)) return deadLetterNotFound(id);
    if (DeadLetterNotReplayableError.is(error) || WebhookBusyError.is(error)) {
      // Nothing ran and the letter stays: why (no handler would run, or another replay of
      // it is running) is the operator's to know. Neither message holds a payload value.
      logger.warn?.({ ip, id, code: (error as WebhookBusyError).code }, 'console: replay refused');
      return json(409, {
        error: { code: (error as WebhookBusyError).code, message: (error as Error).message },
      });
    }
    if (DeadLetterSupersededError.is(error)) {
      const { supersededCount: count, supersededBy } = error as DeadLetterSupersededError;
      logger.warn?.(
        { ip, id, supersededCount: count },
        'console: replay refused, newer webhooks for its profile were processed',
      );
      // Not the error's own message: it names the profile, a payload value.
      return json(409, {
        error: {
          code: 'DEAD_LETTER_SUPERSEDED',
          message: `${supersededText(count)} for this profile ${count === 1 ? 'was' : 'were'} processed after it was set aside, and running it could roll their state back. Nothing ran and it stays; use Replay anyway to run it (its handlers see ctx.replay), or delete it.`,
        },
        superseded: { count, webhooks: supersededBy },
      });
    }
    if (!HandlerError.is(error)) throw error;
    logger.warn?.({ ip, id, error: describeError(error, redact) }, 'console: replay failed again');
    return json(409, {
      error: {
        code: 'REPLAY_FAILED',
        message: `The handlers failed again: ${redact((error as Error).message)}`,
      },
    });
  }
  logger.info?.({ ip, id, ifSuperseded, ...replayed }, 'console: replayed a dead letter');
  return json(200, { ok: true, ...replayed });
}
