/**
 * A GET of a profile's collected_data that returns only what a write can safely start from:
 * the data and its ETag as a pair. The update flow reads through it too (at the start, after
 * a 412 without usable data, after a lost answer), so one rule decides what counts as a
 * usable read: an unusable answer is retried like a 5xx, then fails as a `PassfortApiError`.
 */
import type { PassfortApiError } from '../errors/passfort-api-error.js';
import type { CollectedData } from '../events/collected-data-schema.js';
import { asCollectedData, parseJson } from './as-collected-data.js';
import type { Deadline } from './deadline.js';
import type { CollectedDataSnapshot } from './passfort-client.js';
import { type PassfortTransport, RequestFailure } from './passfort-transport.js';

/**
 * The profile's collected_data and its ETag, retried until usable within the deadline.
 * `reference`, the data it is about to replace, makes an answer of another entity type unusable.
 */
export async function readCollectedData(
  transport: PassfortTransport,
  profileId: string,
  deadline: Deadline<PassfortApiError>,
  reference?: CollectedData,
): Promise<CollectedDataSnapshot> {
  const where = `GET /profiles/${profileId}/collected_data`;
  for (let attempt = 0; ; attempt++) {
    let failure: RequestFailure;
    try {
      const answer = await transport.exchange('GET', profileId, {}, deadline);
      if (answer.status < 200 || answer.status >= 300) throw transport.statusFailure(where, answer);
      if (answer.bodyError !== undefined) throw new RequestFailure(answer.bodyError, true);
      const data = asCollectedData(parseJson(answer.text), reference);
      if (typeof data === 'string') {
        throw new RequestFailure(
          transport.apiError('API_ERROR', `${where} returned no collected_data: ${data}`, {
            httpStatus: answer.status,
          }),
          true,
        );
      }
      if (answer.etag === null) {
        throw new RequestFailure(
          transport.apiError('API_ERROR', `${where} returned no ETag`, {
            httpStatus: answer.status,
          }),
          true,
        );
      }
      return { data, etag: answer.etag };
    } catch (error) {
      if (!(error instanceof RequestFailure)) throw error;
      failure = error;
    }
    if (!failure.retryable || attempt >= transport.settings.retries) throw failure.error;
    await transport.backoff(attempt, failure, deadline);
  }
}
