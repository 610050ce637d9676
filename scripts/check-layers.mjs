// The core's stages meet on the event model, never on each other: delivery runs events it is
// handed, whoever received them (an HTTP request, a queue, a replay), so it must not import the
// HTTP stage; and the event model, the errors and observability depend on no stage. Like
// tRPC's check that its adapters never import each other, this keeps the layering from
// eroding one convenient import at a time. Run by `pnpm check`; exits 1 naming each import.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../packages/core/src');

/** [folder, folders it must not import]. */
const RULES = [
  ['delivery', ['receive', 'console', 'node']],
  ['events', ['delivery', 'receive', 'console', 'stores', 'queues', 'node', 'client', 'sync']],
  // Errors may name a store's data types (a superseded replay lists the webhooks that won).
  ['errors', ['delivery', 'receive', 'console', 'queues', 'node', 'client', 'sync']],
  ['observability', ['delivery', 'receive', 'console', 'stores', 'queues', 'node', 'client']],
  ['receive', ['delivery', 'console', 'stores', 'queues']],
  ['stores', ['delivery', 'receive', 'console', 'node']],
];

function* sources(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) yield path;
  }
}

const broken = [];
for (const [folder, forbidden] of RULES) {
  for (const file of sources(join(src, folder))) {
    const text = readFileSync(file, 'utf8');
    for (const [, target] of text.matchAll(/^(?:import|export)[^'"]*?from '(\.[^']+)'/gm)) {
      const stage = relative(src, resolve(dirname(file), target)).split('/')[0];
      if (forbidden.includes(stage))
        broken.push(`${relative(src, file)} imports ${stage}/ (${target})`);
    }
  }
}
if (broken.length > 0) {
  console.error(`Layering broken in packages/core/src:\n  ${broken.join('\n  ')}`);
  process.exit(1);
}
console.log(`layers: ${RULES.length} rules hold`);
