// The main entry and /client must run unchanged on Node, Bun, Deno and Workers. `pnpm build`
// already fails otherwise (scripts/check-runtime-neutral.mjs); this proves the check bites.
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error a plain ESM script without types
import { NEUTRAL_ENTRIES, nodeOnlyUses } from '../scripts/check-runtime-neutral.mjs';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

describe.runIf(existsSync(join(dist, 'index.js')))('runtime-neutral entries', () => {
  it.each(NEUTRAL_ENTRIES as string[])('%s reaches nothing Node-only', (entry) => {
    expect(nodeOnlyUses(dist, entry)).toEqual([]);
  });

  it('reports a node: import reaching an entry through a chunk', () => {
    const copy = mkdtempSync(join(tmpdir(), 'pfw-dist-'));
    for (const file of readdirSync(dist).filter((f) => f.endsWith('.js')))
      copyFileSync(join(dist, file), join(copy, file));
    // A chunk the main entry imports (which chunks exist depends on how entries share code).
    const chunk = /from "\.\/(chunk-[\w-]+\.js)"/.exec(
      readFileSync(join(copy, 'index.js'), 'utf8'),
    )![1]!;
    writeFileSync(
      join(copy, chunk),
      '\nimport { createHash } from "node:crypto";\nexport const probe = createHash;\n',
      {
        flag: 'a',
      },
    );
    expect((nodeOnlyUses(copy, 'index.js') as string[]).join()).toContain('node:crypto');
  });
});
