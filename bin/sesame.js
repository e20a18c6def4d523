#!/usr/bin/env node
// The `sesame` command. The implementation is compiled TypeScript in dist/, bundled (src/bundle-build.ts).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(`sesame needs Node.js >= 22.13 (this is ${process.versions.node})\n`);
  process.exit(2);
}
// V8's compiled code for sesame's modules is kept between runs in the package's
// node_modules/.cache (see COMPILE_CACHE_DIR in src/supervisor/pool.ts): a cold start is sooner.
const { enableCompileCache } = await import('node:module');
const { fileURLToPath } = await import('node:url');
enableCompileCache?.(fileURLToPath(new URL('../node_modules/.cache/sesame', import.meta.url)));
// Start the run's sandbox first, so its start-up overlaps the CLI's own.
await import('../dist/src/host/prestart.js');
await import('../dist/src/host/cli.js');
