/** What {@link webhookFingerprint} reads of a webhook. */
export interface FingerprintedWebhook {
  readonly event: string;
  readonly timestamp?: unknown;
  readonly data?: unknown;
}

const PRIME = 0x01000193;
/** Values hashed at most: the payload's top two levels, first ones first. */
const NODES = 16;
/** Characters hashed of a longer string: its first and its last this many (and its length). */
const ENDS = 8;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

// One fingerprint is made at a time (no await inside): module state, not an object per call.
let hash = 0;
let budget = 0;

/**
 * A short fingerprint of a webhook, `<event>#<8 hex digits>`, that the receiver stores with its
 * claim (`ClaimOptions.fingerprints`), so that the same id arriving later with another event or
 * payload is told apart from a redelivery of the same webhook. No payload value can be read
 * back from it: the digits are a 32-bit FNV-1a hash.
 *
 * The hash covers the timestamp and the payload's top two levels (keys and values, at most 16
 * of them; a string by its length and its first and last 8 characters; an array by its length
 * and its first two items; deeper objects by their size), so that it costs about 0.3 µs
 * whatever the payload's size (a 2 KB CHECK_COMPLETED, Node 20): a batch of
 * 100 collected-data webhooks of several megabytes is not serialised once more to be hashed.
 * What it tells apart: another event, another timestamp (Passfort's creation time), another
 * profile, check, decision, status or key set. A change deep inside a snapshot with all of
 * those equal goes unnoticed; it only costs a warning, never a delivery.
 */
export function webhookFingerprint(webhook: FingerprintedWebhook): string {
  hash = 0x811c9dc5;
  budget = NODES;
  const timestamp = webhook.timestamp;
  mixNumber(typeof timestamp === 'number' ? timestamp : 0);
  mixValue(webhook.data, 0);
  const h = hash >>> 0;
  return `${webhook.event}#${HEX[h >>> 24]}${HEX[(h >>> 16) & 255]}${HEX[(h >>> 8) & 255]}${HEX[h & 255]}`;
}

/** The event a fingerprint names. */
export function fingerprintEvent(fingerprint: string): string {
  const at = fingerprint.lastIndexOf('#');
  return at < 0 ? fingerprint : fingerprint.slice(0, at);
}

function mixText(text: string): void {
  const length = text.length;
  let h = Math.imul(hash ^ length, PRIME);
  if (length <= 2 * ENDS) {
    for (let i = 0; i < length; i++) h = Math.imul(h ^ text.charCodeAt(i), PRIME);
  } else {
    for (let i = 0; i < ENDS; i++) h = Math.imul(h ^ text.charCodeAt(i), PRIME);
    for (let i = length - ENDS; i < length; i++) h = Math.imul(h ^ text.charCodeAt(i), PRIME);
  }
  hash = h;
}

function mixNumber(value: number): void {
  hash = Math.imul(hash ^ (value | 0) ^ ((value / 4294967296) | 0), PRIME);
}

function mixValue(value: unknown, depth: number): void {
  if (budget-- <= 0) return;
  switch (typeof value) {
    case 'string':
      mixText(value);
      return;
    case 'number':
      mixNumber(value);
      return;
    case 'boolean':
      mixNumber(value ? 3 : 2);
      return;
    case 'object':
      break;
    default:
      mixNumber(5);
      return;
  }
  if (value === null) {
    mixNumber(1);
    return;
  }
  if (Array.isArray(value)) {
    mixNumber(value.length + 7);
    // Its length, and its first two items: a list of a hundred notes costs what two do.
    if (depth < 2) {
      const items = Math.min(value.length, 2);
      for (let i = 0; i < items && budget > 0; i++) mixValue(value[i], depth + 1);
    }
    return;
  }
  let keys = 0;
  for (const key in value) {
    keys++;
    if (depth < 2 && budget > 0) {
      mixText(key);
      mixValue((value as Record<string, unknown>)[key], depth + 1);
    }
  }
  mixNumber(keys + 11);
}
