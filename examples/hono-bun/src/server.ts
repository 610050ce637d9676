// Run with Bun: bun run src/server.ts
import { createApp } from './app.ts';

const env = (globalThis as unknown as { Bun: { env: Record<string, string | undefined> } }).Bun.env;
const seen: string[] = [];
const app = createApp(env['PASSFORT_WEBHOOK_SECRET'] ?? 'dev-secret', seen);
const port = Number(env['PORT'] ?? 3000);
console.log(`Bun: listening on http://localhost:${port}/webhooks/passfort`);

export default { port, fetch: app.fetch };
