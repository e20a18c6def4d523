import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Examples import sesame by its package name, as users' code does (`sesame`, and
    // `sesame/plugin` in plugins); in this repository's tests those names mean the sources.
    alias: [
      {
        find: /^sesame\/plugin$/,
        replacement: fileURLToPath(new URL('./src/plugin/index.ts', import.meta.url)),
      },
      { find: /^sesame$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Each file starts its own sandbox workers; two files at a time suits a 2-core machine.
    maxWorkers: 2,
  },
});
