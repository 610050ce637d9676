// The custom adapter against the public adapter kit, as a framework author outside this
// repository would test theirs.
import { createServer } from 'node:http';
import { adapterConformanceCases, listenOnLoopback } from '@passfort-webhooks/testing/conformance';
import { describe, it } from 'vitest';
import { passfortListener } from './adapter.js';

const cases = adapterConformanceCases({
  start(receiver) {
    const listener = passfortListener(receiver, {
      path: '/webhooks/passfort',
      otherwise: (req, res) => {
        if (req.url === '/health') res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        else res.writeHead(404).end();
      },
    });
    return listenOnLoopback(createServer(listener));
  },
});

describe('the custom node:http adapter (the public adapter kit)', () => {
  for (const check of cases) it(check.name, check.run);
});
