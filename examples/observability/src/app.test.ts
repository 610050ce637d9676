import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { createApp } from './app.js';

it('exports the receiver’s outcomes in Prometheus format, agreeing with status()', async () => {
  const { app, webhooks, shutdown } = createApp('obs-secret');
  const server = createServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const envelope = (id: string, data: object) => ({
    id,
    event: 'PRODUCT_STATUS_CHANGED',
    secret: 'obs-secret',
    timestamp: 1,
    data,
  });
  const ok = { application_id: 'a-1', new_status: 'APPROVED', product: {} };
  const post = (body: unknown) =>
    fetch(`${base}/webhooks/passfort`, {
      method: 'POST',
      headers: { authorization: 'Bearer obs-secret', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  await post([envelope('w-1', ok), envelope('w-2', ok)]);
  await post([
    envelope('w-1', ok),
    envelope('w-2', ok),
    envelope('w-3', { ...ok, application_id: 'app-broken' }),
  ]);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const status = await (
    await fetch(`${base}/webhooks/passfort`, { headers: { authorization: 'Bearer obs-secret' } })
  ).json();
  server.close();
  await shutdown();
  await webhooks.close();
  const total = (name: string) =>
    metrics
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
  expect(total('passfort_webhooks_received_total')).toBe(5);
  expect(total('passfort_webhooks_processed_total')).toBe(2);
  expect(total('passfort_webhooks_duplicates_total')).toBe(2);
  expect(total('passfort_webhooks_failures_total')).toBe(1);
  expect(metrics).toContain('passfort_webhooks_ack_duration');
  expect(status).toMatchObject({ recentFailures: [{ id: 'w-3', attempts: 1 }] });
  expect(metrics).not.toContain('obs-secret');
});
