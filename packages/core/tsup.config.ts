import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  // The main entry must stay runtime-neutral; only the ./node entry may touch node: modules.
  platform: 'neutral',
  external: [/^node:/],
});
