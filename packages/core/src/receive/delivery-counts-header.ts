import type { DeliveryCounts } from '../observability/instrumentation.js';

/**
 * The response header carrying a delivery's counts, on the 200 and on a delivery that
 * stopped part-way. A 200 has no body: Passfort reads only the status, and in Node a body
 * turns the response into a second, costlier write (about a tenth of a single webhook's
 * CPU time), so the counts travel with the head.
 */
export const DELIVERY_COUNTS_HEADER = 'passfort-webhooks-counts';

/**
 * Writes counts as an RFC 8941 dictionary:
 * `received=3, processed=1, duplicates=1, dead-lettered=1, echoes=0` (and `queued=` with
 * queue delivery).
 */
export function formatDeliveryCounts(counts: DeliveryCounts): string {
  const { received, processed, duplicates, deadLettered, echoes, queued } = counts;
  const last = lastCounts;
  if (
    received === last.received &&
    processed === last.processed &&
    duplicates === last.duplicates &&
    deadLettered === last.deadLettered &&
    echoes === last.echoes &&
    queued === last.queued
  ) {
    return lastHeader;
  }
  const queuedPart = queued === undefined ? '' : `, queued=${queued}`;
  lastHeader = `received=${received}, processed=${processed}, duplicates=${duplicates}, dead-lettered=${deadLettered}, echoes=${echoes}${queuedPart}`;
  lastCounts = { received, processed, duplicates, deadLettered, echoes, queued };
  return lastHeader;
}

// The last counts written and their text: a receiver answers the same counts over and over
// (`received=1, processed=1, …` for every single webhook), and building the text made about
// 290 bytes of strings per answer (allocation sampler, single webhook).
let lastCounts: { [Field in keyof DeliveryCounts]-?: DeliveryCounts[Field] | undefined } = {
  received: -1,
  processed: -1,
  duplicates: -1,
  deadLettered: -1,
  echoes: -1,
  queued: undefined,
};
let lastHeader = '';

const FIELDS = new Map<string, keyof DeliveryCounts>([
  ['received', 'received'],
  ['processed', 'processed'],
  ['duplicates', 'duplicates'],
  ['dead-lettered', 'deadLettered'],
  ['echoes', 'echoes'],
  ['queued', 'queued'],
]);

/**
 * Reads the {@link DELIVERY_COUNTS_HEADER} of a response, for tests and tools that post to a
 * receiver. Undefined when the header is absent or not what a receiver writes.
 *
 * @example
 * const res = await fetch(url, init);
 * parseDeliveryCounts(res.headers.get(DELIVERY_COUNTS_HEADER)); // { received: 1, processed: 1, … }
 */
export function parseDeliveryCounts(
  header: string | readonly string[] | null | undefined,
): DeliveryCounts | undefined {
  if (typeof header !== 'string') return undefined;
  const counts: Partial<Record<keyof DeliveryCounts, number>> = {};
  for (const member of header.split(',')) {
    const match = /^\s*([a-z-]+)=(\d{1,15})\s*$/.exec(member);
    const field = match === null ? undefined : FIELDS.get(match[1]!);
    if (field === undefined) return undefined;
    counts[field] = Number(match![2]);
  }
  const { received, processed, duplicates, deadLettered, echoes, queued } = counts;
  if (
    received === undefined ||
    processed === undefined ||
    duplicates === undefined ||
    deadLettered === undefined ||
    echoes === undefined
  ) {
    return undefined;
  }
  const parsed = { received, processed, duplicates, deadLettered, echoes };
  return queued === undefined ? parsed : { ...parsed, queued };
}
