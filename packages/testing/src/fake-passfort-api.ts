import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CollectedData } from '@passfort-webhooks/core';
import type { Emulator } from './emulator.js';
import { individualCollectedData, portalUser } from './event-factories.js';

/** Options of {@link FakePassfortApi}. */
export interface FakePassfortApiOptions {
  /** The API key clients must send as the `apikey` header. */
  apiKey: string;
  /** The sender that delivers the COLLECTED_DATA_CHANGED webhooks; none are sent without one. */
  webhooks?: Emulator;
}

interface Profile {
  data: CollectedData;
  version: number;
}

/**
 * A local Passfort collected_data API, as PASSFORT.md documents it: `GET` returns the whole
 * data with an `Etag`; `POST` replaces the whole data (never merges) when `If-Match` matches
 * (a POST without If-Match is accepted, as Passfort does), and answers 412 with the latest
 * data and ETag otherwise. Every change fires COLLECTED_DATA_CHANGED through the emulator:
 * `user: null` for API writes, a user for {@link FakePassfortApi.portalEdit}. Like Passfort,
 * it adds `original_freeform_address` beside each structured address it stores.
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
    return `W/"1579973191.${this.profiles.get(profileId)?.version ?? 0}"`;
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
    if (req.method === 'GET') return send(200, profile.data, this.etagOf(profileId));
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
    const ifMatch = req.headers['if-match'];
    if (ifMatch !== undefined && ifMatch !== this.etagOf(profileId)) {
      return send(412, profile.data, this.etagOf(profileId));
    }
    this.writes.push({ profileId, data: structuredClone(body) });
    this.#change(profileId, profile, body, null);
    send(200, profile.data, this.etagOf(profileId));
  }

  #change(profileId: string, profile: Profile, next: CollectedData, user: unknown): void {
    const old = profile.data;
    profile.data = withPassfortAdditions(next);
    profile.version++;
    if (this.#webhooks === undefined) return;
    const envelope = this.#webhooks.emit('COLLECTED_DATA_CHANGED', {
      profile_id: profileId,
      customer_ref: null,
      apikey: user === null ? { name: 'backend' } : null,
      old_data: old,
      new_data: structuredClone(profile.data),
      user: user as null,
    });
    this.webhooksSent.push({ id: envelope.id, profileId, user });
  }
}

/** Passfort keeps the original of a structured address beside it. */
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
