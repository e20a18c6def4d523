import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Example plugins import the SDK by its package name, as third-party plugins do; in this
    // repository that name means the SDK's source.
    alias: { 'sesame/plugin': fileURLToPath(new URL('./src/plugin/index.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Each file starts its own sandbox workers; two files at a time suits a 2-core machine.
    maxWorkers: 2,
  },
});
