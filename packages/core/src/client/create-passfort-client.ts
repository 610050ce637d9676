/**
 * The client's factory: options checked once, then two calls, each bounded by its own deadline
 * and ended when it settles. What a call does lives beside it, one job a file: the contract
 * (`passfort-client.ts`), the options (`passfort-client-options.ts`), one request and its
 * retry rules (`passfort-transport.ts`), what counts as collected_data
 * (`as-collected-data.ts`), the read (`read-collected-data.ts`) and the update with `If-Match`
 * (`update-collected-data.ts`).
 */
import { ConfigurationError } from '../errors/configuration-error.js';
import type { PassfortApiError } from '../errors/passfort-api-error.js';
import { mergeCollectedData } from '../sync/merge-collected-data.js';
import type { Deadline } from './deadline.js';
import type { CollectedDataMutation, PassfortClient } from './passfort-client.js';
import {
  checkedMs,
  type PassfortClientOptions,
  resolvePassfortClientOptions,
} from './passfort-client-options.js';
import { PassfortTransport } from './passfort-transport.js';
import { readCollectedData } from './read-collected-data.js';
import { updateCollectedData } from './update-collected-data.js';

/**
 * A small client for Passfort's collected_data API, on the platform `fetch` (every runtime).
 *
 * @example
 * const passfort = createPassfortClient({ apiKey: process.env.PASSFORT_API_KEY!, loopGuard });
 * const { data, etag } = await passfort.getCollectedData(profileId);
 */
export function createPassfortClient(options: PassfortClientOptions): PassfortClient {
  const settings = resolvePassfortClientOptions(options);
  const { rules } = settings;
  const transport = new PassfortTransport(settings);

  function callDeadline(what: string, ms: number | undefined): Deadline<PassfortApiError> {
    return transport.startDeadline(
      what,
      ms === undefined ? settings.deadlineMs : checkedMs('deadlineMs', ms),
    );
  }

  return {
    async getCollectedData(profileId, { deadlineMs } = {}) {
      const deadline = callDeadline(`getCollectedData of profile ${profileId}`, deadlineMs);
      try {
        return await readCollectedData(transport, profileId, deadline);
      } finally {
        deadline.end();
      }
    },
    async updateCollectedData(profileId, change, { maxAttempts = 5, deadlineMs } = {}) {
      const mutate: CollectedDataMutation =
        typeof change === 'function'
          ? change
          : (current) => mergeCollectedData(current, change, rules);
      if (typeof change !== 'function' && (typeof change !== 'object' || change === null)) {
        throw new TypeError(
          '[passfort-webhooks] updateCollectedData takes a mutate function or an edit { before, after }',
        );
      }
      if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
        throw new ConfigurationError(
          'updateCollectedData maxAttempts must be a whole number, 1 or more',
        );
      }
      const deadline = callDeadline(`updateCollectedData of profile ${profileId}`, deadlineMs);
      try {
        return await updateCollectedData(transport, profileId, mutate, maxAttempts, deadline);
      } finally {
        deadline.end();
      }
    },
  };
}
