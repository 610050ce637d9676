// `pnpm test:fresh-apps`: the heavy fresh-app suite, apart from `pnpm test` (see the file).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['scripts/fresh-framework-apps.slow-test.mjs'],
    silent: 'passed-only',
    testTimeout: 600_000,
    hookTimeout: 60_000,
    // The fresh apps' own files load as Node loads them, not through Vite: a Nest app's CommonJS
    // build transformed here would load its services twice, and Nest's injection would miss.
    server: { deps: { external: [/pfw-fresh-kit-/] } },
  },
});
