// The adapter kit's target in the fresh Next app: the built app served by Next's production
// server (what `next start` runs) in the test's process, so the kit's receiver can take the
// place of the one src/lib/passfort.ts keeps on globalThis. Every import resolves from the
// app's node_modules (the packed tarballs and npm's Next).

import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { adapterConformanceCases, listenOnLoopback } from '@passfort-webhooks/testing/conformance';
import next from 'next';

const require = createRequire(import.meta.url);
/** Where Next and the kit were loaded from, for the test to check. */
export const loadedFrom = [
  require.resolve('next'),
  require.resolve('@passfort-webhooks/testing/conformance'),
];

const app = next({ dev: false, dir: fileURLToPath(new URL('..', import.meta.url)) });
let prepared;

export const cases = adapterConformanceCases({
  path: '/api/webhooks/kit',
  async start(webhooks) {
    globalThis.passfortWebhooks = webhooks;
    prepared ??= app.prepare();
    await prepared;
    const handle = app.getRequestHandler();
    return listenOnLoopback(createServer((req, res) => handle(req, res)));
  },
});

export const close = () => app.close();
