// Runs the Worker locally in workerd through miniflare (wrangler 4 needs Node 22): bundles
// src/worker.ts with esbuild, serves it on PORT with a local Durable Object.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';

export async function startWorker(port = 0, secret = 'dev-secret'): Promise<Miniflare> {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./worker.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser', 'import'],
    mainFields: ['module', 'main'],
    write: false,
    logLevel: 'silent',
  });
  const miniflare = new Miniflare({
    modules: true,
    script: bundle.outputFiles[0]!.text,
    compatibilityDate: '2025-07-01',
    bindings: { PASSFORT_WEBHOOK_SECRET: secret },
    durableObjects: { DEDUPE: 'WebhookDedupeObject' },
    port,
  });
  await miniflare.ready;
  return miniflare;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env['PORT'] ?? 8787);
  const miniflare = await startWorker(port, process.env['PASSFORT_WEBHOOK_SECRET'] ?? 'dev-secret');
  console.log(
    `Worker (workerd via miniflare) on ${(await miniflare.ready).toString()}webhooks/passfort`,
  );
}
