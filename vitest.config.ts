import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts', 'bench/*.test.mjs'],
    // Adapter tests start real HTTP servers; keep a generous but bounded timeout.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
