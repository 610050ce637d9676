import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'examples/*/src/**/*.test.ts',
      'bench/*.test.mjs',
      'scripts/*.test.mjs',
    ],
    // Receivers log warnings and errors to the console by default, and many tests make handlers
    // fail on purpose: show what a test printed only when it failed.
    silent: 'passed-only',
    // Adapter tests start real HTTP servers; keep a generous but bounded timeout.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
