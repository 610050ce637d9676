/**
 * An app that keeps its own table of profiles in step with Passfort in both directions:
 * Passfort's changes arrive as COLLECTED_DATA_CHANGED webhooks and are applied only where
 * they differ from ours; our own changes are written back through the API client with
 * ETags, and the webhook Passfort fires for them is recognised as an echo. Like many apps,
 * every save of a profile pushes it to Passfort (an after-save hook): without the diff and
 * the loop guard, that hook plus the webhook handler would write for ever.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CollectedData,
  type CollectedDataChange,
  createLoopGuard,
  createPassfortWebhooks,
  diffCollectedData,
} from '@passfort-webhooks/core';
import { createPassfortClient } from '@passfort-webhooks/core/client';
import { passfortWebhooks } from '@passfort-webhooks/express';
import express from 'express';

export interface SyncAppOptions {
  webhookSecret: string;
  apiKey: string;
  /** Passfort's API, e.g. the local fake at http://127.0.0.1:PORT/4.0 */
  passfortBaseUrl: string;
}

/** Sets `value` at `path` in a copy of `data` (objects and arrays created as needed). */
function withChange(data: CollectedData, change: CollectedDataChange): CollectedData {
  const copy = structuredClone(data) as Record<string | number, unknown>;
  let node = copy;
  change.path.forEach((segment, i) => {
    if (i === change.path.length - 1) {
      if (change.kind === 'removed') delete node[segment];
      else node[segment] = structuredClone(change.after);
      return;
    }
    node[segment] ??= typeof change.path[i + 1] === 'number' ? [] : {};
    node = node[segment] as Record<string | number, unknown>;
  });
  return copy as CollectedData;
}

export function createSyncApp(options: SyncAppOptions) {
  /** Stands in for the app's own table: profile id → collected_data. */
  const table = new Map<string, CollectedData>();
  const loopGuard = createLoopGuard();
  const passfort = createPassfortClient({
    apiKey: options.apiKey,
    baseUrl: options.passfortBaseUrl,
    loopGuard,
  });
  const stats = { pushes: 0, writes: 0, webhooksApplied: 0 };

  /** The app's after-save hook: push what changed in our copy to Passfort. */
  async function save(profileId: string, next: CollectedData): Promise<void> {
    const previous = table.get(profileId) ?? {};
    table.set(profileId, next);
    const changes = diffCollectedData(previous, next);
    if (changes.length === 0) return;
    stats.pushes++;
    const result = await passfort.updateCollectedData(profileId, (current) =>
      changes.reduce(withChange, current),
    );
    if (result.written) stats.writes++;
    table.set(profileId, result.data);
  }

  const webhooks = createPassfortWebhooks({ secret: options.webhookSecret, loopGuard });
  webhooks.on(['COLLECTED_DATA_CHANGED', 'COLLECTED_DATA_UPDATED'], async (event, ctx) => {
    const ours = table.get(event.data.profile_id);
    if (ours !== undefined && ctx.diffAgainst(ours).length === 0) return; // already in step
    stats.webhooksApplied++;
    await save(event.data.profile_id, event.data.new_data);
  });

  const app = express();
  app.use(express.json({ limit: '10mb' }));
  app.post('/webhooks/passfort', passfortWebhooks(webhooks));
  app.get('/profiles/:id', (req, res) => {
    res.json(table.get(req.params.id) ?? null);
  });

  return {
    app,
    table,
    stats,
    webhooks,
    /** Loads a profile into our table from Passfort. */
    async load(profileId: string): Promise<void> {
      table.set(profileId, (await passfort.getCollectedData(profileId)).data);
    },
    /** A change made in our own app, saved (and so pushed). */
    async editLocally(
      profileId: string,
      edit: (data: CollectedData) => CollectedData,
    ): Promise<void> {
      await save(profileId, edit(structuredClone(table.get(profileId) ?? {})));
    },
    async listen(port = 0): Promise<{ url: string; server: Server }> {
      const server = createServer(app);
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
    },
  };
}
