/**
 * Every exported name is a promise: the main entry stays small (what an app developer uses),
 * and the README's "public surface" table names every export of the main entry and of the
 * authors' entries, so a name cannot become public without being written down, nor be listed
 * without existing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

/** The names an entry file exports (`export { a, type B } from ...`). */
function exportsOf(path: string): string[] {
  return [...read(path).matchAll(/export\s*(?:type\s*)?\{([^}]*)\}/g)].flatMap((match) =>
    match[1]!
      .split(',')
      .map((name) => name.trim().replace(/^type\s+/, ''))
      .filter(Boolean),
  );
}

const readme = read('../README.md');
const surface = readme.slice(
  readme.indexOf('## The public surface'),
  readme.indexOf('## Where things live'),
);

describe('the public surface', () => {
  it('keeps the main entry to what an app developer uses: at most 60 names', () => {
    expect(exportsOf('./index.ts').length).toBeLessThanOrEqual(60);
  });

  it.each([
    ['@passfort-webhooks/core', './index.ts'],
    ['/store', './store/index.ts'],
    ['/adapter', './adapter/index.ts'],
    ['/instrumentation', './instrumentation/index.ts'],
    ['/sync', './sync/index.ts'],
  ])('lists every export of %s in the README table', (_entry, path) => {
    for (const name of exportsOf(path)) expect(surface).toContain(`\`${name}\``);
  });

  it('lists no name in a main-entry row that the main entry does not export', () => {
    const main = new Set(exportsOf('./index.ts'));
    // Rows of the table; a row whose first cell is empty continues the entry above it.
    let entry = '';
    const listed: string[] = [];
    for (const line of surface.split('\n')) {
      if (!line.startsWith('|') || /^\|\s*-/.test(line)) continue;
      const cells = line.split('|');
      const first = cells[1]!.trim();
      if (first !== '') entry = first;
      if (entry !== '`@passfort-webhooks/core`') continue;
      listed.push(...[...cells[2]!.matchAll(/`([A-Za-z_]\w*)`/g)].map((m) => m[1]!));
    }
    expect(listed.length).toBeGreaterThan(40);
    expect(listed.filter((name) => !main.has(name))).toEqual([]);
  });
});
