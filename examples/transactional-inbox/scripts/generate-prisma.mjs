// `prisma generate` builds the client from the schema alone; it never runs the schema engine
// (that is for migrations). Prisma's CLI still insists on downloading one from
// binaries.prisma.sh first, which a machine reaching only the npm registry cannot. Unless
// the environment names an engine, point the CLI at a stand-in it only checks exists.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
const cli = createRequire(import.meta.url).resolve('prisma/build/index.js');
execFileSync(process.execPath, [cli, 'generate'], { stdio: ['ignore', 'ignore', 'inherit'], env });
