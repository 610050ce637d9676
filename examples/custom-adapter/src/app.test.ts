import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { createApp } from './app.js';

it('receives webhooks on plain node:http through handle()', async () => {
  const received: string[] = [];
  const { server } = createApp('example-secret', received);
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/webhooks/passfort`;
  const body = JSON.stringify([
    {
      id: 'a',
      event: 'TASK_CREATED',
      secret: 'example-secret',
      timestamp: 1,
      data: { profile_id: 'p-1' },
    },
    { id: 'b', event: 'A_FUTURE_EVENT', secret: 'example-secret', timestamp: 2, data: {} },
  ]);
  const headers = { authorization: 'Bearer example-secret', 'content-type': 'application/json' };
  const ok = await fetch(url, { method: 'POST', headers, body });
  const wrong = await fetch(url, {
    method: 'POST',
    headers: { authorization: 'Bearer nope' },
    body,
  });
  server.close();
  expect(ok.status).toBe(200);
  expect(wrong.status).toBe(401);
  expect(received).toEqual(['task for p-1', '0:TASK_CREATED', '1:A_FUTURE_EVENT']);
});
