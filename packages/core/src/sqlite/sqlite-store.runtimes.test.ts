/**
 * The SQLite store on the runtimes' own SQLite: the public dedupe, transactional and
 * loop-guard kits run by Bun on bun:sqlite and by Deno on node:sqlite (Node 20, which runs
 * the other kits, has no node:sqlite). Each runtime runs the built packages, as its users
 * import them, in its own process; this test checks that every case of every kit ran there
 * and passed. The runtimes are dev dependencies; a missing one is skipped (an error under
 * CI=true).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import {
  dedupeStoreConformanceCases,
  loopGuardStoreConformanceCases,
  transactionalStoreConformanceCases,
} from '../../../testing/src/conformance/index.js';

const coreDir = fileURLToPath(new URL('../..', import.meta.url));
const script = 'test/sqlite/sqlite-kits-in-runtime.mjs';

/** Every case name the runtime must report, as the script names them. */
const never = () => Promise.reject(new Error('not opened: only the names are read'));
const expected = [
  ...dedupeStoreConformanceCases(never).map((check) => `dedupe: ${check.name}`),
  ...transactionalStoreConformanceCases(never, { singleWriter: true }).map(
    (check) => `transactional: ${check.name}`,
  ),
  ...loopGuardStoreConformanceCases(never).map((check) => `loop-guard: ${check.name}`),
];

const runtimes = [
  { name: 'Bun', driver: 'bun:sqlite', binary: 'bun', args: [script] },
  {
    name: 'Deno',
    driver: 'node:sqlite',
    binary: 'deno',
    args: ['run', '--allow-read', '--allow-write', '--allow-env', '--allow-sys', script],
  },
];

for (const runtime of runtimes) {
  const binary = fileURLToPath(
    new URL(`../../node_modules/.bin/${runtime.binary}`, import.meta.url),
  );
  const present = existsSync(binary);
  if (!present && process.env['CI'] === 'true') {
    throw new Error(`${runtime.binary} is not installed (required under CI=true)`);
  }
  if (!present) console.warn(`skipping the SQLite kits in ${runtime.name}: it is not installed`);

  it.runIf(present)(
    `the dedupe, transactional and loop-guard kits pass in ${runtime.name} on ${runtime.driver}`,
    async () => {
      // node_modules/.bin holds a shell script that starts the runtime as its own child: the
      // group is killed if the test times out, so that no runtime is left running.
      const child = spawn(binary, runtime.args, { cwd: coreDir, detached: true });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        }, 170_000);
        child.once('exit', (exitCode) => {
          clearTimeout(timer);
          resolve(exitCode);
        });
      });
      const verdict = stdout.trim().split('\n').at(-1) ?? '';
      expect(verdict.startsWith('{'), `no verdict (exit ${code}): ${stderr.slice(-2_000)}`).toBe(
        true,
      );
      const { passed, failed } = JSON.parse(verdict) as {
        passed: string[];
        failed: { name: string; error: string }[];
      };
      expect(failed).toEqual([]);
      expect(passed).toEqual(expected);
      expect(code).toBe(0);
    },
    180_000,
  );
}
