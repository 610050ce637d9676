import type { Options } from 'tsup';

/**
 * The build every package shares: ESM + CJS + .d.ts, dependencies left external. No source
 * maps: the output is plain, unminified JavaScript that reads as it runs, and maps with their
 * embedded sources made up 60% of core's tarball.
 */
export function packageBuild(entry: Record<string, string>, overrides: Options = {}): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: false,
    target: 'es2022',
    ...overrides,
  };
}
