/**
 * An app that keeps its own table of profiles in step with Passfort in both directions:
 * Passfort's changes arrive as COLLECTED_DATA_CHANGED webhooks and are merged into our copy
 * (only what Passfort changed: our own edits still on their way stay); our own changes are
 * written back through the API client with ETags, as edits (`{ before, after }`) that the
 * client applies to Passfort's latest data, and the webhook Passfort fires for each of them is
 * recognised as an echo by the loop guard and skipped.
 *
 * Why it cannot lose a field or loop:
 * - every local save pushes exactly what it changed, never the whole copy, so a save never
 *   undoes a change it did not make (another save's, or Passfort's);
 * - a webhook is merged, never copied over our table: a snapshot that is older than our
 *   latest edits (an echo the guard missed, a webhook delayed in Passfort's queue) cannot
 *   roll them back, and an echo that does reach the handler merges to nothing;
 * - what comes from Passfort is not pushed back to it;
 * - pushes of one profile run one after another in this process, so concurrent saves queue
 *   instead of racing each other into 412s (across processes, the ETag retries do that job).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CollectedData, createPassfortWebhooks } from '@passfort-webhooks/core';
import { createPassfortClient, mergeCollectedData } from '@passfort-webhooks/core/client';
import { createLoopGuard, diffCollectedData } from '@passfort-webhooks/core/sync';
import { passfortWebhooks } from '@passfort-webhooks/express';
import express from 'express';

export interface SyncAppOptions {
  webhookSecret: string;
  apiKey: string;
  /** Passfort's API, e.g. the local fake at http://127.0.0.1:PORT/4.0 */
  passfortBaseUrl: string;
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
  /** The last push of each profile: the next one waits for it. */
  const pushes = new Map<string, Promise<unknown>>();

  /** The app's after-save hook: push what this save changed to Passfort, in save order. */
  function push(profileId: string, before: CollectedData, after: CollectedData): Promise<void> {
    if (diffCollectedData(before, after, loopGuard.diffOptions).length === 0) {
      return Promise.resolve();
    }
    stats.pushes++;
    const run = (pushes.get(profileId) ?? Promise.resolve())
      .catch(() => {}) // an earlier push's failure is that save's to report
      .then(async () => {
        const result = await passfort.updateCollectedData(profileId, { before, after });
        if (result.written) stats.writes++;
      });
    pushes.set(profileId, run);
    return run;
  }

  /** A save made by our own app: stored at once, then pushed. */
  function save(profileId: string, next: CollectedData): Promise<void> {
    const previous = table.get(profileId) ?? {};
    table.set(profileId, next);
    return push(profileId, previous, next);
  }

  const webhooks = createPassfortWebhooks({ secret: options.webhookSecret, loopGuard });
  webhooks.on(['COLLECTED_DATA_CHANGED', 'COLLECTED_DATA_UPDATED'], async (event) => {
    const { profile_id: profileId, old_data, new_data } = event.data;
    const ours = table.get(profileId) ?? {};
    const merged = mergeCollectedData(
      ours,
      { before: old_data, after: new_data },
      loopGuard.diffOptions,
    );
    if (diffCollectedData(ours, merged, loopGuard.diffOptions).length === 0) return; // in step
    stats.webhooksApplied++;
    // Passfort's own change: stored, not pushed back.
    table.set(profileId, merged);
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
    /** A change made in our own app, saved (and so pushed); resolves once it is in Passfort. */
    editLocally(profileId: string, edit: (data: CollectedData) => CollectedData): Promise<void> {
      return save(profileId, edit(structuredClone(table.get(profileId) ?? {})));
    },
    async listen(port = 0): Promise<{ url: string; server: Server }> {
      const server = createServer(app);
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
    },
  };
}
