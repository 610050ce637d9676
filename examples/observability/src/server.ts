import { createApp } from './app.js';

const port = Number(process.env['PORT'] ?? 3000);
const secret = process.env['PASSFORT_WEBHOOK_SECRET'] ?? 'dev-secret';
// Structured logs as JSON lines (pino-compatible calls), one per outcome and per request.
const line = (level: string) => (object: object, message?: string) =>
  console.log(JSON.stringify({ level, msg: message, ...object }));
const { app } = createApp(secret, { info: line('info'), warn: line('warn'), error: line('error') });
app.listen(port, () => {
  console.log(
    `Webhooks on http://localhost:${port}/webhooks/passfort, metrics on http://localhost:${port}/metrics`,
  );
});
