import type { Options } from 'tsup';

/** The build every package shares: ESM + CJS + .d.ts, dependencies left external. */
export function packageBuild(entry: Record<string, string>, overrides: Options = {}): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
    ...overrides,
  };
}
