/**
 * The Hono adapter and core's fetch() on every runtime Hono's users deploy to: the shared
 * case list (test/runtime) runs in-process on Node, Bun and Deno, and in workerd through
 * miniflare. A runtime whose binary is absent is skipped with a reason, except under CI=true.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaseApp } from '../test/runtime/case-app.ts';
import { inProcessSend, toReply } from '../test/runtime/in-process-send.ts';
import { runAll, runtimeCases, type Send } from '../test/runtime/runtime-cases.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runtimeDir = join(root, 'test', 'runtime');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const caseNames = runtimeCases.map((c) => c.name);

type Results = { name: string; ok: boolean; error?: string }[];

function available(name: string): boolean {
  if (existsSync(bin(name))) return true;
  if (process.env['CI'] === 'true')
    throw new Error(`${name} is not installed (required under CI=true)`);
  console.warn(`skipping the ${name} runtime tests: ${bin(name)} is not installed`);
  return false;
}

function runIn(command: string, args: string[]): Promise<Results> {
  return new Promise((resolve, reject) => {
    execFile(bin(command), args, { cwd: root, timeout: 120_000 }, (error, stdout, stderr) => {
      const results = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Results[number]);
      if (results.length === 0)
        reject(new Error(`${command} ran no case: ${error?.message ?? ''}\n${stderr}`));
      else resolve(results);
    });
  });
}

function describeRuntime(runtime: string, results: () => Results) {
  describe(`on ${runtime}`, () => {
    it.each(caseNames)('%s', (name) => {
      const result = results().find((r) => r.name === name);
      expect(result, `${name} did not run on ${runtime}`).toBeDefined();
      expect(result?.error ?? 'ok').toBe('ok');
    });
  });
}

describe('on Node', () => {
  it.each(runtimeCases.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    await testCase.run(inProcessSend(createCaseApp()));
  });
});

if (available('bun')) {
  let results: Results = [];
  beforeAll(async () => {
    results = await runIn('bun', ['run', join(runtimeDir, 'run-cases.ts')]);
  }, 120_000);
  describeRuntime('Bun', () => results);
}

if (available('deno')) {
  let results: Results = [];
  beforeAll(async () => {
    results = await runIn('deno', [
      'run',
      '--allow-read',
      '--allow-env',
      join(runtimeDir, 'run-cases.ts'),
    ]);
  }, 120_000);
  describeRuntime('Deno', () => results);
}

describe('on Cloudflare Workers (workerd through miniflare)', () => {
  let miniflare: Miniflare;
  let results: Results = [];
  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [join(runtimeDir, 'worker.ts')],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      conditions: ['workerd', 'worker', 'browser', 'import'],
      mainFields: ['module', 'main'],
      write: false,
      logLevel: 'silent',
    });
    miniflare = new Miniflare({
      modules: true,
      script: bundle.outputFiles[0]!.text,
      compatibilityDate: '2025-07-01',
    });
    const send: Send = async (path, init = {}) =>
      toReply(await miniflare.dispatchFetch(`http://runtime.test${path}`, init));
    results = await runAll(send);
  }, 120_000);
  afterAll(async () => {
    await miniflare?.dispose();
  });
  it.each(caseNames)('%s', (name) => {
    const result = results.find((r) => r.name === name);
    expect(result, `${name} did not run in workerd`).toBeDefined();
    expect(result?.error ?? 'ok').toBe('ok');
  });
});
