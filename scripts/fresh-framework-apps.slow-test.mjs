// Fresh apps made by the frameworks' own tools, as a new user makes them, pass the public
// adapter kit: `npx @nestjs/cli@<major> new` for Nest 10, 11 and 12, and a create-next-app-shaped
// Next.js project built with `next build` while no secret is set. Each installs the packed
// tarballs with npm, without flags, beside the README's code pasted into it; the kit runs from
// this process against the app's own HTTP server, every module loaded from the app's
// node_modules. Heavy (npm installs of whole scaffolds, a Next build): `pnpm test:fresh-apps`,
// which .ci/run calls, rather than `pnpm test`.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const templates = join(root, 'scripts', 'fresh-apps');
const out = mkdtempSync(join(tmpdir(), 'pfw-fresh-kit-'));
const running = [];
afterAll(() => {
  for (const child of running) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }
  rmSync(out, { recursive: true, force: true });
});

/** The secret the Next route's receiver reads; the kit's own (KIT_SECRET) for its receivers. */
const SECRET = 'fresh-next-secret';
const QUIET = { stdio: 'pipe', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } };
const npmInstall = (cwd, ...args) =>
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...args], {
    cwd,
    ...QUIET,
  });

const tarball = {};
for (const name of ['core', 'nestjs', 'testing']) {
  const before = new Set(readdirSync(out));
  execFileSync('pnpm', ['pack', '--pack-destination', out], {
    cwd: join(root, 'packages', name),
    stdio: 'ignore',
  });
  tarball[name] = join(
    out,
    readdirSync(out).find((file) => !before.has(file)),
  );
}

/** Runs every kit case of the app's target module; the cases that failed, with why. */
async function runKit(dir) {
  const target = await import(pathToFileURL(join(dir, 'test', 'passfort-kit-target.mjs')).href);
  for (const file of target.loadedFrom)
    expect(file.startsWith(join(dir, 'node_modules'))).toBe(true);
  const failed = [];
  try {
    for (const check of target.cases) {
      try {
        await check.run();
      } catch (error) {
        failed.push({ name: check.name, message: error.message });
      }
    }
  } finally {
    await target.close?.();
  }
  return { count: target.cases.length, failed };
}

describe.each([10, 11, 12])('a fresh Nest %i app from `nest new`', (major) => {
  it('installs the tarballs without flags, builds the README module, passes the adapter kit', async () => {
    const dir = join(out, `nest${major}`);
    // --no-observe: @nestjs/observe would phone its service; the skills need the network.
    const flags = major >= 12 ? ['--no-observe', '--skip-skills', '--no-interactive'] : [];
    execFileSync(
      'npx',
      [
        '--yes',
        `@nestjs/cli@${major}`,
        'new',
        `nest${major}`,
        '--package-manager',
        'npm',
        '--skip-git',
        ...flags,
      ],
      // In the parent folder, by name: the CLI turns a path given as the name into a kebab-case one.
      { ...QUIET, cwd: out },
    );
    // The Nest README's install line. npm's latest @nestjs/config (12) admits Nest 11 and 12
    // only: a Nest 10 app needs its 4.x.
    npmInstall(
      dir,
      tarball.core,
      tarball.nestjs,
      major === 10 ? '@nestjs/config@4' : '@nestjs/config',
    );
    npmInstall(dir, '--save-dev', tarball.testing);
    cpSync(join(templates, 'nest'), dir, { recursive: true });
    execFileSync('npm', ['run', 'build'], { cwd: dir, ...QUIET });
    const installed = JSON.parse(
      readFileSync(join(dir, 'node_modules/@nestjs/core/package.json'), 'utf8'),
    );
    expect(installed.version.split('.')[0]).toBe(String(major));

    const { count, failed } = await runKit(dir);
    expect(count).toBeGreaterThan(40);
    expect(failed).toEqual([]);
  }, 600_000);
});

/**
 * What the kit shows a route handler cannot do on Next: it gets a `Request` without the peer's
 * address (so `allowIps` sees none), and Node has already folded a repeated Authorization
 * header into one. Pinned, so that a fix (or a change in Next) is noticed here.
 */
const NEXT_KNOWN_GAPS = [
  'refuses repeated Authorization headers, even when both carry the secret',
  'accepts a listed peer, written as 127.0.0.1',
  'accepts a listed peer, written as ::ffff:127.0.0.0/104',
  'believes X-Forwarded-For from a trusted proxy',
];

describe('a fresh Next.js app (App Router)', () => {
  const dir = join(out, 'next');
  it('builds with no secret set', () => {
    // create-next-app's files (package.json scripts, tsconfig with the @/ alias, a layout and a
    // page) and the README's route; then npm installs what create-next-app would, and ours.
    cpSync(join(templates, 'next'), dir, { recursive: true });
    npmInstall(
      dir,
      tarball.core,
      'next@16',
      'react@19',
      'react-dom@19',
      'typescript@5',
      '@types/node@20',
      '@types/react@19',
    );
    npmInstall(dir, '--save-dev', tarball.testing);
    const { PASSFORT_WEBHOOK_SECRET: _, ...env } = QUIET.env;
    // Throws (and fails the test) unless the build passes.
    execFileSync(process.execPath, ['node_modules/next/dist/bin/next', 'build'], {
      cwd: dir,
      stdio: 'pipe',
      env,
    });
  }, 600_000);

  it('under next start with the secret set, answers GET with 405, Allow: POST and the JSON error, and takes a batch', async () => {
    const child = spawn(
      process.execPath,
      ['node_modules/next/dist/bin/next', 'start', '-p', '0', '-H', '127.0.0.1'],
      {
        cwd: dir,
        env: { ...QUIET.env, PASSFORT_WEBHOOK_SECRET: SECRET },
        detached: true,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    running.push(child);
    const url = await new Promise((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += chunk;
        const match = /http:\/\/[\d.]+:(\d+)/.exec(output);
        if (match) resolve(`http://127.0.0.1:${match[1]}/api/webhooks/passfort`);
      });
      child.once('exit', (code) => reject(new Error(`next start exited (${code}): ${output}`)));
    });
    const get = await fetch(url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.json()).toMatchObject({
      error: { code: expect.any(String), message: expect.any(String) },
    });

    const webhook = {
      id: '00000000-0000-4000-8000-000000000001',
      event: 'PRODUCT_STATUS_CHANGED',
      secret: SECRET,
      timestamp: 1568997222,
      data: { application_id: 'app-1', new_status: 'APPROVED', profile_id: 'profile-1' },
    };
    const post = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify([webhook]),
    });
    expect(post.status).toBe(200);
    expect(post.headers.get('passfort-webhooks-counts')).toContain('processed=1');
    process.kill(-child.pid, 'SIGKILL');
  }, 60_000);

  it('passes the adapter kit, but for what a route handler cannot see', async () => {
    const { count, failed } = await runKit(dir);
    expect(count).toBeGreaterThan(40);
    expect(failed.map((failure) => failure.name)).toEqual(NEXT_KNOWN_GAPS);
  }, 300_000);
});
