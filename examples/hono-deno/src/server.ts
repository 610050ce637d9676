// Run with Deno: deno run --allow-net --allow-env --allow-read src/server.ts
import { createApp } from './app.ts';

interface DenoGlobal {
  env: { get(name: string): string | undefined };
  serve(
    options: { port: number; onListen?: () => void },
    handler: (request: Request) => Response | Promise<Response>,
  ): unknown;
}
const Deno = (globalThis as unknown as { Deno: DenoGlobal }).Deno;
const seen: string[] = [];
const app = createApp(Deno.env.get('PASSFORT_WEBHOOK_SECRET') ?? 'dev-secret', seen);
const port = Number(Deno.env.get('PORT') ?? 3000);
Deno.serve(
  {
    port,
    onListen: () => console.log(`Deno: listening on http://localhost:${port}/webhooks/passfort`),
  },
  app.fetch,
);
