// A fresh app per framework, as a user makes one: an empty folder, `npm install` of the packed
// tarballs (as `pnpm publish` packs them) beside the framework from the npm registry, a server
// written as the adapter's README says, and a 5 MB batch over HTTP. Nothing of the workspace
// is reachable from these apps: only what the tarballs ship.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = mkdtempSync(join(tmpdir(), 'pfw-fresh-'));
const running = [];
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  rmSync(out, { recursive: true, force: true });
});

function pack(name) {
  const before = new Set(readdirSync(out));
  execFileSync('pnpm', ['pack', '--pack-destination', out], {
    cwd: join(root, 'packages', name),
    stdio: 'ignore',
  });
  return join(
    out,
    readdirSync(out).find((file) => !before.has(file)),
  );
}

const SECRET = 'fresh-app-secret';
const PRELUDE = `
const secret = ${JSON.stringify(SECRET)};
const listening = (port) => process.send({ port });
`;

/** Each framework: what the app installs and its server, as the adapter's README sets it up. */
const apps = {
  express: {
    packages: ['express@5'],
    ours: ['express'],
    server: `${PRELUDE}
import express from 'express';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { passfortWebhooks } from '@passfort-webhooks/express';
const webhooks = createPassfortWebhooks({ secret, logger: false });
webhooks.onAny(async () => {});
const app = express();
app.use(express.json({ limit: '10mb' }));
app.use(passfortWebhooks(webhooks, { path: '/webhooks/passfort' }));
const server = app.listen(0, '127.0.0.1', () => listening(server.address().port));
`,
  },
  koa: {
    packages: ['koa@3', '@koa/bodyparser@6'],
    ours: ['koa'],
    server: `${PRELUDE}
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { passfortWebhooks } from '@passfort-webhooks/koa';
const webhooks = createPassfortWebhooks({ secret, logger: false });
webhooks.onAny(async () => {});
const app = new Koa();
app.use(bodyParser({ jsonLimit: '10mb' }));
app.use(passfortWebhooks(webhooks, { path: '/webhooks/passfort' }));
const server = app.listen(0, '127.0.0.1', () => listening(server.address().port));
`,
  },
  hono: {
    packages: ['hono@4', '@hono/node-server@1'],
    ours: ['hono'],
    server: `${PRELUDE}
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { passfortWebhooks } from '@passfort-webhooks/hono';
const webhooks = createPassfortWebhooks({ secret, logger: false });
webhooks.onAny(async () => {});
const app = new Hono();
app.post('/webhooks/passfort', passfortWebhooks(webhooks));
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => listening(info.port));
`,
  },
  fastify: {
    packages: ['fastify@5'],
    ours: ['fastify'],
    server: `${PRELUDE}
import Fastify from 'fastify';
import { createPassfortWebhooks } from '@passfort-webhooks/core';
import { passfortWebhooks } from '@passfort-webhooks/fastify';
const webhooks = createPassfortWebhooks({ secret, logger: false });
webhooks.onAny(async () => {});
const app = Fastify();
await app.register(passfortWebhooks, { webhooks, path: '/webhooks/passfort' });
await app.listen({ port: 0, host: '127.0.0.1' });
listening(app.server.address().port);
`,
  },
  nestjs: {
    packages: [
      '@nestjs/core@11',
      '@nestjs/common@11',
      '@nestjs/platform-express@11',
      'reflect-metadata@0.2',
      'rxjs@7',
    ],
    ours: ['nestjs'],
    server: `${PRELUDE}
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PassfortWebhooksModule } from '@passfort-webhooks/nestjs';
class AppModule {}
Module({ imports: [PassfortWebhooksModule.forRoot({ secret, logger: false, path: '/webhooks/passfort' })] })(AppModule);
const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(0, '127.0.0.1');
listening(app.getHttpServer().address().port);
`,
  },
};

// The oldest and newest Nest majors of the peer range (Nest 11 above): npm resolves the range
// without flags, and the module receives the batch. Nest 12 is ESM-only; the module's CJS build
// loads it through require(esm) on Node 20.19+.
for (const major of [10, 12]) {
  apps[`nestjs${major}`] = {
    ...apps.nestjs,
    packages: apps.nestjs.packages.map((spec) => spec.replace(/@11$/, `@${major}`)),
  };
}

const tarballs = new Map();
tarballs.set('core', pack('core'));
for (const app of Object.values(apps)) {
  for (const name of app.ours) if (!tarballs.has(name)) tarballs.set(name, pack(name));
}

/** A 5.2 MB batch of 100 webhooks, as the adapter kit sends it. */
function largeBatch() {
  return Array.from({ length: 100 }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    event: 'PRODUCT_STATUS_CHANGED',
    secret: SECRET,
    timestamp: 1568997222,
    data: {
      application_id: `app-${i}`,
      new_status: 'APPROVED',
      profile_id: 'profile-1',
      customer_ref: `cust-${i}-${'x'.repeat(52_000)}`,
    },
  }));
}

describe.each(Object.keys(apps))('a fresh %s app from the packed tarballs', (name) => {
  it('installs with npm and receives a 5 MB batch whole', async () => {
    const app = apps[name];
    const dir = mkdtempSync(join(out, `${name}-`));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: `fresh-${name}`, private: true, type: 'module' }),
    );
    execFileSync(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        tarballs.get('core'),
        ...app.ours.map((ours) => tarballs.get(ours)),
        ...app.packages,
      ],
      { cwd: dir, stdio: 'pipe' },
    );
    writeFileSync(join(dir, 'server.mjs'), app.server);
    const child = spawn(process.execPath, ['server.mjs'], {
      cwd: dir,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    running.push(child);
    const port = await new Promise((resolve, reject) => {
      child.once('message', (message) => resolve(message.port));
      child.once('exit', (code) => reject(new Error(`the ${name} app exited (${code})`)));
    });
    const body = JSON.stringify(largeBatch());
    expect(body.length).toBeGreaterThan(5_000_000);
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/passfort`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
      body,
    });
    child.kill('SIGKILL');
    expect(res.status).toBe(200);
    expect(res.headers.get('passfort-webhooks-counts')).toContain('received=100');
  }, 180_000);
});
