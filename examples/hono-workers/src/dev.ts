// Runs the Worker locally in workerd through miniflare (wrangler 4 needs Node 22): bundles
// src/worker.ts with esbuild, serves it on PORT with a local Durable Object.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';

/** Bundles a Worker module the way wrangler does (TypeScript; `cloudflare:` modules left to workerd). */
export async function bundleWorker(
  entry: { file: string } | { contents: string; resolveDir: string },
): Promise<string> {
  const bundle = await build({
    ...('file' in entry
      ? { entryPoints: [entry.file] }
      : {
          stdin: { contents: entry.contents, resolveDir: entry.resolveDir, loader: 'ts' as const },
        }),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser', 'import'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*'],
    write: false,
    logLevel: 'silent',
  });
  return bundle.outputFiles[0]!.text;
}

export async function startWorker(
  port = 0,
  secret = 'dev-secret',
  entry = './worker.ts',
): Promise<Miniflare> {
  const miniflare = new Miniflare({
    modules: true,
    script: await bundleWorker({ file: fileURLToPath(new URL(entry, import.meta.url)) }),
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
