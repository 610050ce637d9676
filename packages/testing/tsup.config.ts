import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

export default defineConfig([
  packageBuild(
    { index: 'src/index.ts', conformance: 'src/conformance/index.ts' },
    { platform: 'node' },
  ),
  // The CLI: ESM only, with its shebang, never imported.
  {
    entry: { cli: 'src/cli/cli.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'es2022',
    sourcemap: false,
    clean: false,
  },
]);
