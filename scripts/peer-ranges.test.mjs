// Every peer range we declare must admit npm's latest major of that peer, so the next major of
// a framework (NestJS 12 was one) is noticed here, not by a user whose `npm install` fails
// with ERESOLVE. Where both ends of a range are run (Express 4/5, Koa 2/3, Fastify 4/5, BullMQ
// 5/6, and Nest 10/12 in fresh-apps.test.mjs), a major added to a range is also tested.
//
// Needs the npm registry. Without it the check is skipped with its reason, except under
// CI=true, where a check that cannot run fails.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const REGISTRY = process.env.npm_config_registry ?? 'https://registry.npmjs.org/';

/** [package, peer, range] for every peer outside the workspace. */
const peers = readdirSync(join(root, 'packages')).flatMap((dir) => {
  const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
  return Object.entries(manifest.peerDependencies ?? {})
    .filter(([, range]) => !range.startsWith('workspace:'))
    .map(([peer, range]) => [manifest.name, peer, range]);
});

/**
 * Whether a range admits the major of `version`. Reads only `^x.y.z` terms joined by `||`,
 * the one form this workspace declares; any other form fails loudly rather than guess.
 */
function admitsMajor(range, version) {
  const [major, minor] = version.split('.').map(Number);
  return range.split('||').some((term) => {
    const match = /^\^(\d+)\.(\d+)(?:\.\d+)?$/.exec(term.trim());
    if (match === null)
      throw new Error(`peer-ranges.test.mjs reads only ^x.y.z ranges, not "${term.trim()}"`);
    const [termMajor, termMinor] = [Number(match[1]), Number(match[2])];
    return termMajor === 0 ? major === 0 && minor === termMinor : major === termMajor;
  });
}

async function latestVersion(name) {
  const response = await fetch(new URL(`${name.replace('/', '%2F')}/latest`, REGISTRY), {
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`the registry answered ${response.status} for ${name}`);
  return (await response.json()).version;
}

describe('range reading', () => {
  it('admits a major only when a caret term names it', () => {
    expect(admitsMajor('^10.0.0 || ^11.0.0', '12.5.1')).toBe(false);
    expect(admitsMajor('^10.0.0 || ^11.0.0 || ^12.0.0', '12.5.1')).toBe(true);
    expect(admitsMajor('^0.2.0', '0.3.0')).toBe(false);
    expect(admitsMajor('^0.1.13 || ^0.2.0', '0.2.2')).toBe(true);
    expect(() => admitsMajor('>=4', '5.0.0')).toThrow(/only \^x\.y\.z/);
  });
});

/**
 * Latest majors we deliberately do not admit, each with why and the major it applies to: when
 * npm's latest moves past it, the check fails again and the decision is made afresh.
 */
const HELD_BACK = {
  'better-sqlite3': {
    major: 13,
    why: 'better-sqlite3 13 needs Node 22: installed on Node 20 it crashes the process with a segmentation fault, and this library supports Node 20',
  },
};

describe.each(peers)('%s: peer %s (%s)', (_pkg, peer, range) => {
  it("admits npm's latest major", async (context) => {
    let latest;
    try {
      latest = await latestVersion(peer);
    } catch (error) {
      if (process.env.CI === 'true') throw error;
      context.skip(
        `the npm registry is unreachable (${error.cause?.code ?? error.message}); under CI=true this fails`,
      );
    }
    const held = HELD_BACK[peer];
    if (held !== undefined && Number(latest.split('.')[0]) === held.major) {
      context.skip(`${peer}@${latest} is held back on purpose: ${held.why}`);
    }
    expect(
      admitsMajor(range, latest),
      `${peer}@${latest} is npm's latest; the range is ${range}`,
    ).toBe(true);
  }, 15_000);
});
