/**
 * A local Passfort for the collected_data API, following PASSFORT.md: GET returns the whole
 * data and an `Etag`; POST replaces the whole data, needs a matching `If-Match` (412 with
 * the latest data and ETag otherwise; a POST without If-Match is accepted, as Passfort does);
 * every change fires COLLECTED_DATA_CHANGED to the receiver, in order, one at a time,
 * retried until it gets a 200 (`user: null` for API writes, a user for portal edits).
 * Passfort's own additions are simulated: an address gets `original_freeform_address`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Data = Record<string, unknown>;

export interface FakePassfortApiOptions {
  apiKey: string;
  /** Where webhooks go; none are sent without it. */
  webhookUrl?: string;
  webhookSecret?: string;
  /** Wait between webhook retries. @default 20 */
  retryDelayMs?: number;
}

interface Profile {
  data: Data;
  version: number;
}

export const PORTAL_USER = { email: 'analyst@example.com', id: 'user-1', name: 'An Analyst' };

export class FakePassfortApi {
  readonly profiles = new Map<string, Profile>();
  /** Every accepted POST, for counting API writes. */
  readonly writes: { profileId: string; data: Data }[] = [];
  readonly webhooksSent: { id: string; profileId: string; user: unknown }[] = [];
  #server: Server | undefined;
  #outbox: object[] = [];
  #sending: Promise<void> | undefined;
  #sequence = 0;

  constructor(readonly options: FakePassfortApiOptions) {}

  /** Seeds a profile without firing a webhook. */
  seed(profileId: string, data: Data): void {
    this.profiles.set(profileId, { data: structuredClone(data), version: 1 });
  }

  etagOf(profileId: string): string {
    return `W/"1579973191.${this.profiles.get(profileId)?.version ?? 0}"`;
  }

  /** A change made by a person in the Passfort portal. */
  portalEdit(profileId: string, mutate: (data: Data) => Data): void {
    const profile = this.profiles.get(profileId)!;
    this.#change(profileId, profile, mutate(structuredClone(profile.data)), PORTAL_USER);
  }

  async listen(): Promise<string> {
    this.#server = createServer((req, res) => {
      this.#route(req, res).catch(() => {
        res.statusCode = 500;
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/4.0`;
  }

  /** Resolves once every webhook fired so far got its 200. */
  async drain(): Promise<void> {
    while (this.#sending !== undefined) await this.#sending;
  }

  async close(): Promise<void> {
    await this.drain();
    await new Promise<void>((resolve) =>
      this.#server ? this.#server.close(() => resolve()) : resolve(),
    );
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/4\.0\/profiles\/([^/]+)\/collected_data$/.exec(req.url ?? '');
    const send = (status: number, body: unknown, etag?: string) => {
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      if (etag !== undefined) res.setHeader('etag', etag);
      res.end(JSON.stringify(body));
    };
    if (req.headers['apikey'] !== this.options.apiKey) {
      return send(401, { errors: [{ code: 401, message: 'Invalid API key' }] });
    }
    const profileId = match ? decodeURIComponent(match[1]!) : undefined;
    const profile = profileId === undefined ? undefined : this.profiles.get(profileId);
    if (profileId === undefined || profile === undefined) {
      return send(404, { errors: [{ code: 404, message: 'Profile not found' }] });
    }
    if (req.method === 'GET') return send(200, profile.data, this.etagOf(profileId));
    if (req.method !== 'POST')
      return send(405, { errors: [{ code: 405, message: 'Method not allowed' }] });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Data;
    const ifMatch = req.headers['if-match'];
    if (ifMatch !== undefined && ifMatch !== this.etagOf(profileId)) {
      return send(412, profile.data, this.etagOf(profileId));
    }
    this.writes.push({ profileId, data: structuredClone(body) });
    this.#change(profileId, profile, body, null);
    send(200, profile.data, this.etagOf(profileId));
  }

  #change(profileId: string, profile: Profile, next: Data, user: unknown): void {
    const old = profile.data;
    profile.data = withPassfortAdditions(next);
    profile.version++;
    if (this.options.webhookUrl === undefined) return;
    const id = `00000000-0000-4000-9000-${String(++this.#sequence).padStart(12, '0')}`;
    this.webhooksSent.push({ id, profileId, user });
    this.#outbox.push({
      id,
      event: 'COLLECTED_DATA_CHANGED',
      secret: this.options.webhookSecret,
      timestamp: Math.floor(Date.now() / 1000),
      data: {
        profile_id: profileId,
        old_data: old,
        new_data: structuredClone(profile.data),
        user,
        apikey: null,
        customer_ref: null,
      },
    });
    this.#sending ??= this.#sendAll().finally(() => {
      this.#sending = undefined;
    });
  }

  // One webhook at a time, in order, each retried until it gets a 200: Passfort's unbatched mode.
  async #sendAll(): Promise<void> {
    while (this.#outbox.length > 0) {
      const webhook = this.#outbox[0]!;
      try {
        const response = await fetch(this.options.webhookUrl!, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${this.options.webhookSecret}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify(webhook),
        });
        await response.arrayBuffer();
        if (response.status === 200) {
          this.#outbox.shift();
          continue;
        }
      } catch {
        // retried below
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs ?? 20));
    }
  }
}

/** Passfort keeps the original of a normalised address beside it. */
function withPassfortAdditions(data: Data): Data {
  const copy = structuredClone(data);
  const history = copy['address_history'];
  if (Array.isArray(history)) {
    for (const entry of history as { address?: Record<string, unknown> }[]) {
      if (entry.address !== undefined && entry.address['original_freeform_address'] === undefined) {
        entry.address['original_freeform_address'] =
          `${String(entry.address['route'] ?? '')} ${String(entry.address['locality'] ?? '')}`.trim();
      }
    }
  }
  return copy;
}
