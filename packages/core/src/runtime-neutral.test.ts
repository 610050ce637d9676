// The main entry and /client must run unchanged on Node, Bun, Deno and Workers: nothing
// Node-only may reach their bundles. Checked on the built files (`pnpm test` builds first).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const allowedPackages = new Set(['zod', 'secure-json-parse']);

function importsOf(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const source = readFileSync(join(dist, file), 'utf8');
  const specifiers = [...source.matchAll(/(?:from|import)\s*["']([^"']+)["']/g)].map((m) => m[1]!);
  return specifiers.flatMap((specifier) =>
    specifier.startsWith('./') ? importsOf(specifier.slice(2), seen) : [specifier],
  );
}

describe.runIf(existsSync(join(dist, 'index.js')))('runtime-neutral entries', () => {
  it.each(['index.js', 'client.js'])('%s imports nothing Node-only', (entry) => {
    const external = importsOf(entry);
    expect(external.filter((specifier) => !allowedPackages.has(specifier))).toEqual([]);
    const source = readFileSync(join(dist, entry), 'utf8');
    // Node globals (the one `process.env` mention is inside an error message's example).
    expect(source).not.toMatch(/(?<![\w$.])Buffer\s*[.(]/);
    expect(source).not.toMatch(/(?<![\w$.])process\.(?!env\.PASSFORT_WEBHOOK_SECRET \})/);
  });
});
