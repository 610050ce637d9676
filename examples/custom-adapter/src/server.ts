import { createApp } from './app.js';

const port = Number(process.env['PORT'] ?? 3000);
const secret = process.env['PASSFORT_WEBHOOK_SECRET'] ?? 'dev-secret';
if (process.env['PASSFORT_WEBHOOK_SECRET'] === undefined) {
  console.warn('PASSFORT_WEBHOOK_SECRET is not set: using the development secret "dev-secret"');
}

const received: string[] = [];
const { server } = createApp(secret, received);
server.listen(port, () => {
  console.log(`node:http server listening on http://localhost:${port}/webhooks/passfort`);
});
