// Fails the build when something Node-only reaches the bundles that must run on every
// runtime (the main entry and /client): a `node:` import, any package but zod and
// secure-json-parse, or a use of Buffer or process.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ALLOWED_PACKAGES = new Set(['zod', 'secure-json-parse', '@opentelemetry/api']);
export const NEUTRAL_ENTRIES = ['index.js', 'client.js', 'otel.js', 'console.js'];

function importsOf(dist, file, seen = new Set()) {
  if (seen.has(file)) return [];
  seen.add(file);
  const source = readFileSync(join(dist, file), 'utf8');
  return [...source.matchAll(/(?:from|import)\s*["']([^"']+)["']/g)].flatMap(([, specifier]) =>
    specifier.startsWith('./') ? importsOf(dist, specifier.slice(2), seen) : [specifier],
  );
}

/** Problems found in one built entry: Node-only imports and Node globals. */
export function nodeOnlyUses(dist, entry) {
  const problems = importsOf(dist, entry)
    .filter((specifier) => !ALLOWED_PACKAGES.has(specifier))
    .map((specifier) => `${entry} imports ${specifier}`);
  const source = readFileSync(join(dist, entry), 'utf8');
  if (/(?<![\w$.])Buffer\s*[.(]/.test(source)) problems.push(`${entry} uses Buffer`);
  // The one `process.env` mention is inside an error message's example.
  if (/(?<![\w$.])process\.(?!env\.PASSFORT_WEBHOOK_SECRET \})/.test(source))
    problems.push(`${entry} uses process`);
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
  const problems = NEUTRAL_ENTRIES.flatMap((entry) => nodeOnlyUses(dist, entry));
  if (problems.length > 0) {
    console.error(`Runtime-neutral bundles reach Node-only code:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
}
