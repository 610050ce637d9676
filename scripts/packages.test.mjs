// Every package checked as it ships: packed with pnpm (as `pnpm publish` would pack it), then
// its tarball listed. What a user installs must hold a LICENSE and a README whose relative
// links all point into the tarball, and no source maps (they were 60% of core's tarball).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packages = readdirSync(join(root, 'packages'));
const out = mkdtempSync(join(tmpdir(), 'pfw-pack-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Packs a package; returns the files of its tarball (without the `package/` prefix). */
function pack(name) {
  const dir = join(root, 'packages', name);
  const before = new Set(readdirSync(out));
  execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: dir, stdio: 'ignore' });
  const tarball = readdirSync(out).find((file) => !before.has(file));
  const files = execFileSync('tar', ['-tzf', join(out, tarball)], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((file) => file.replace(/^package\//, ''));
  return { dir, files };
}

/** Relative link targets in a Markdown text (`[text](target)`), without anchors. */
function relativeLinks(markdown) {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map(([, target]) => target.split('#')[0])
    .filter((target) => target !== '' && !/^[a-z][a-z+.-]*:/i.test(target));
}

const packed = new Map();

describe.each(packages)('the packed @passfort-webhooks/%s', (name) => {
  const { dir, files } = pack(name);
  packed.set(
    name,
    join(
      out,
      readdirSync(out).find((file) => file.includes(`-${name}-`)),
    ),
  );

  it('ships a LICENSE and a README, and no source maps', () => {
    expect(files).toContain('LICENSE');
    expect(files).toContain('README.md');
    expect(files.filter((file) => file.endsWith('.map'))).toEqual([]);
  });

  it('has a README whose relative links all point into the tarball', () => {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    const missing = relativeLinks(readme).filter(
      (target) =>
        !files.some(
          (file) => file === normalize(target) || file.startsWith(`${normalize(target)}/`),
        ),
    );
    expect(missing).toEqual([]);
  });
});

describe('a fresh app installing core with plain npm', () => {
  // npm resolves peer dependencies strictly: a range that leaves out the registry's newest
  // ioredis (6) failed with ERESOLVE. A dry run resolves the whole tree without writing it.
  it.each([['ioredis@5'], ['ioredis@6'], ['bullmq@5'], ['bullmq@6'], ['pg@8'], ['mysql2@3']])(
    'resolves beside %s',
    (peer) => {
      const app = mkdtempSync(join(tmpdir(), 'pfw-app-'));
      try {
        execFileSync('npm', ['init', '-y'], { cwd: app, stdio: 'ignore' });
        execFileSync(
          'npm',
          ['install', '--dry-run', '--no-audit', '--no-fund', packed.get('core'), peer],
          { cwd: app, stdio: 'pipe', encoding: 'utf8' },
        );
      } finally {
        rmSync(app, { recursive: true, force: true });
      }
    },
    60_000,
  );
});

describe('the root package.json', () => {
  // A script pointing at a missing file (`setup: node scripts/setup.mjs`) fails only when a
  // newcomer runs it; one named like a pnpm command (`setup`) is shadowed by it.
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  it('runs only files that exist, under names pnpm does not use itself', () => {
    const missing = Object.entries(scripts)
      .flatMap(([name, command]) =>
        [...command.matchAll(/\bnode\s+(?:--\S+\s+)*([\w./-]+\.m?[jt]s)\b/g)].map(([, file]) => [
          name,
          file,
        ]),
      )
      .filter(([, file]) => !existsSync(join(root, file)));
    expect(missing).toEqual([]);
    expect(
      Object.keys(scripts).filter((name) => ['setup', 'install', 'add'].includes(name)),
    ).toEqual([]);
  });
});
