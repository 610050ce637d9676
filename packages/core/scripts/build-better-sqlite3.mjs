// Builds better-sqlite3's native module when a C++ toolchain is here, so that its kit runs in
// `pnpm test`. pnpm install never builds it (it is not in onlyBuiltDependencies): its install
// script downloads a prebuilt binary from outside the npm registry, or else compiles for about
// 80 s, and a fresh machine without g++ would fail the whole install. Without a toolchain this
// says so in one line and the better-sqlite3 kit is skipped; under CI=true that is an error.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(join(import.meta.dirname ?? process.cwd(), '..', 'package.json'));
const packageDir = dirname(require.resolve('better-sqlite3/package.json'));
const binary = join(packageDir, 'build', 'Release', 'better_sqlite3.node');
if (existsSync(binary)) process.exit(0);

const missing = ['g++', 'make', 'python3'].filter(
  (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
);
if (missing.length > 0) {
  const line = `better-sqlite3 is not built (no ${missing.join(', ')}): its store kit is skipped; install them and run pnpm build:better-sqlite3`;
  if (process.env.CI === 'true') {
    console.error(`${line} (required under CI=true)`);
    process.exit(1);
  }
  console.warn(line);
  process.exit(0);
}
const started = Date.now();
console.log('building better-sqlite3 (about 80 s, once)…');
const built = spawnSync('npm', ['run', '--silent', 'build-release'], {
  cwd: packageDir,
  stdio: ['ignore', 'ignore', 'pipe'],
});
if (built.status !== 0) {
  console.error(`better-sqlite3 did not build:\n${String(built.stderr).slice(-2000)}`);
  process.exit(process.env.CI === 'true' ? 1 : 0);
}
console.log(`built better-sqlite3 in ${Math.round((Date.now() - started) / 1000)} s`);
