import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import type { CollectedData } from '@passfort-webhooks/core';
import type { Emulator } from './emulator.js';
import { individualCollectedData, portalUser } from './event-factories.js';

/**
 * Options of {@link FakePassfortApi}. Where Passfort documents nothing, the choice is an
 * option: a test can run against each variant rather than stand on one guess.
 */
export interface FakePassfortApiOptions {
  /** The API key clients must send as the `apikey` header. */
  apiKey: string;
  /** The sender that delivers the COLLECTED_DATA_CHANGED webhooks; none are sent without one. */
  webhooks?: Emulator;
  /**
   * The quotes of the ETag. The GET documentation shows `W/"1579973191.798"`; the API spec's
   * own example writes `W/'1579973191.798'`. A client must echo either byte for byte.
   * @default 'double'
   */
  etagQuotes?: 'double' | 'single';
  /**
   * A POST whose data equals what is stored. `new-version` (the assumption): a new ETag and a
   * webhook, as for any write; `no-change`: the same ETag and no webhook. Undocumented.
   * @default 'new-version'
   */
  identicalWrites?: 'new-version' | 'no-change';
  /**
   * `If-Match: *`. `mismatch` (the assumption): 412, since Passfort's ETags are opaque values
   * and `*` is none of them; `match`: accepted, as RFC 9110 defines it. Undocumented.
   * @default 'mismatch'
   */
  ifMatchStar?: 'mismatch' | 'match';
}

interface Profile {
  data: CollectedData;
  version: number;
}

/**
 * A local Passfort collected_data API, as PASSFORT.md documents it: `GET` returns the whole
 * data with an `Etag`; `POST` replaces the whole data (never merges) when `If-Match` matches,
 * and answers 412 with the latest data and ETag otherwise. Every change fires
 * COLLECTED_DATA_CHANGED through the emulator: `user: null` for API writes, a user for
 * {@link FakePassfortApi.portalEdit}, and the profile's `customer_ref`. Like Passfort, it adds
 * `original_freeform_address` beside each structured address it stores.
 *
 * Each behaviour is marked in the source `[documented]` (PASSFORT.md cites Passfort for it)
 * or `[assumed]` (our guess, where Passfort says nothing): a test standing on an `[assumed]`
 * one stands on a guess, and the undocumented choices are options.
 *
 * @example
 * const api = new FakePassfortApi({ apiKey, webhooks: emulator });
 * api.seed('profile-1');
 * const baseUrl = await api.listen(); // http://127.0.0.1:PORT/4.0
 */
export class FakePassfortApi {
  readonly profiles = new Map<string, Profile>();
  /** Every accepted POST, in order. */
  readonly writes: { profileId: string; data: CollectedData }[] = [];
  /** Every webhook fired, in order. */
  readonly webhooksSent: { id: string; profileId: string; user: unknown }[] = [];
  #server: Server | undefined;
  #webhooks: Emulator | undefined;

  constructor(readonly options: FakePassfortApiOptions) {
    this.#webhooks = options.webhooks;
  }

  /** Sends the webhooks of later changes through this emulator. */
  connect(webhooks: Emulator): void {
    this.#webhooks = webhooks;
  }

  /** Creates or resets a profile without firing a webhook. */
  seed(profileId: string, data: CollectedData = individualCollectedData()): void {
    this.profiles.set(profileId, { data: withPassfortAdditions(data), version: 1 });
  }

  /** The profile's current ETag (opaque, Passfort's weak form). */
  etagOf(profileId: string): string {
    // [documented] weak and opaque, `W/"1579973191.798"`; the spec's example single-quotes it.
    const quote = this.options.etagQuotes === 'single' ? "'" : '"';
    return `W/${quote}1579973191.${this.profiles.get(profileId)?.version ?? 0}${quote}`;
  }

  /** A change made by a person in the Passfort portal. */
  portalEdit(profileId: string, mutate: (data: CollectedData) => CollectedData): void {
    const profile = this.#profile(profileId);
    this.#change(profileId, profile, mutate(structuredClone(profile.data)), portalUser);
  }

  /** Starts serving; resolves with the base URL to give the API client. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.#server = createServer((req, res) => {
      this.#route(req, res).catch(() => {
        res.statusCode = 500;
        res.end(JSON.stringify({ errors: [{ code: 500, message: 'Internal error' }] }));
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(port, host, resolve));
    return `http://${host}:${(this.#server.address() as AddressInfo).port}/4.0`;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #profile(profileId: string): Profile {
    const profile = this.profiles.get(profileId);
    if (profile === undefined)
      throw new Error(`[passfort-webhooks] no profile ${profileId} in the fake API`);
    return profile;
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown, etag?: string) => {
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      if (etag !== undefined) res.setHeader('etag', etag);
      res.end(JSON.stringify(body));
    };
    // [documented] the path, and the `apikey` header; [documented] errors as
    // `errors: [{ code, message, source, info }]`; [assumed] the 401 and 404 statuses.
    const match = /^\/4\.0\/profiles\/([^/?]+)\/collected_data(?:\?.*)?$/.exec(req.url ?? '');
    if (req.headers['apikey'] !== this.options.apiKey) {
      return send(401, {
        errors: [{ code: 401, message: 'Invalid API key', source: 'API', info: {} }],
      });
    }
    const profileId = match ? decodeURIComponent(match[1]!) : undefined;
    const profile = profileId === undefined ? undefined : this.profiles.get(profileId);
    if (profileId === undefined || profile === undefined) {
      return send(404, {
        errors: [{ code: 404, message: 'Profile not found', source: 'API', info: {} }],
      });
    }
    // [documented] GET: the whole collected_data and its Etag.
    if (req.method === 'GET') return send(200, profile.data, this.etagOf(profileId));
    // [assumed] 405 for any other method, 400 for a body that is not JSON.
    if (req.method !== 'POST')
      return send(405, { errors: [{ code: 405, message: 'Method not allowed' }] });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: CollectedData;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as CollectedData;
    } catch {
      return send(400, { errors: [{ code: 400, message: 'Body is not valid JSON' }] });
    }
    // [assumed] a POST without If-Match is accepted; Passfort documents sending it, not
    // refusing its absence. `*` follows the `ifMatchStar` option.
    const ifMatch = req.headers['if-match'];
    const matches =
      ifMatch === undefined ||
      ifMatch === this.etagOf(profileId) ||
      (ifMatch === '*' && this.options.ifMatchStar === 'match');
    if (!matches) {
      // [documented] 412 with the latest data (without the change) and its Etag.
      return send(412, profile.data, this.etagOf(profileId));
    }
    this.writes.push({ profileId, data: structuredClone(body) });
    // [documented] the whole data is replaced, never merged; 200 with the stored data and
    // the new Etag. [assumed] identical data is a new version too (`identicalWrites`).
    const identical = isDeepStrictEqual(withPassfortAdditions(body), profile.data);
    if (!identical || this.options.identicalWrites !== 'no-change') {
      this.#change(profileId, profile, body, null);
    }
    send(200, profile.data, this.etagOf(profileId));
  }

  #change(profileId: string, profile: Profile, next: CollectedData, user: unknown): void {
    const old = profile.data;
    profile.data = withPassfortAdditions(next);
    profile.version++;
    if (this.#webhooks === undefined) return;
    // [documented] the loop: our own API write fires the webhook for that very change, with
    // `user: null`; a person's portal edit carries the user. [documented] `customer_ref` is the
    // customer's own reference of the profile, or null. [assumed] `apikey` names the key that
    // wrote, and is null for a portal edit.
    const customerRef = profile.data['customer_ref'];
    const envelope = this.#webhooks.emit('COLLECTED_DATA_CHANGED', {
      profile_id: profileId,
      customer_ref: typeof customerRef === 'string' ? customerRef : null,
      apikey: user === null ? { name: 'backend' } : null,
      old_data: old,
      new_data: structuredClone(profile.data),
      user: user as null,
    });
    this.webhooksSent.push({ id: envelope.id, profileId, user });
  }
}

/**
 * Passfort keeps the original of a structured address beside it: [documented] that it adds
 * `original_freeform_address` / `original_structured_address`; [assumed] the text it holds.
 */
function withPassfortAdditions(data: CollectedData): CollectedData {
  const copy = structuredClone(data);
  for (const entry of (copy['address_history'] as
    | { address?: Record<string, unknown> }[]
    | undefined) ?? []) {
    const address = entry.address;
    if (address?.['type'] === 'STRUCTURED' && address['original_freeform_address'] === undefined) {
      address['original_freeform_address'] = [
        address['street_number'],
        address['route'],
        address['locality'],
      ]
        .filter((part) => typeof part === 'string' && part !== '')
        .join(' ');
    }
  }
  return copy;
}
