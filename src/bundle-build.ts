// `npm run build` bundles what runs (after tsc): loading a module costs Node a resolution, a file
// read and a compilation, and sesame's processes load several hundred (SES, zod, yaml,
// compartment-mapper, commander and sesame's own). Bundled, a sandbox is ready ~35% sooner and a
// cold `sesame run` answers ~30% sooner (`npm run bench`, rows 1a and 1b). Tests run the sources.
//
// Two bundles, each with its chunks, none shared:
// - the sandbox's (dist/src/sandbox/entry.bundle.js), which the supervisor spawns. The one thing
//   bundling must not change there is the order, lockdown() before any other module of the sandbox
//   is evaluated: lockdown.ts (with SES) is bundled on its own, the rest from entry.ts with that
//   module left outside, and the build fails if either imports anything else first (checkOrder).
// - the host's (dist/src/host/): the library (the package's "." and "./plugin"), and the CLI
//   (bin/sesame.js). One build, so that a host module (a --tools module importing ToolError from
//   'sesame') and the CLI share one copy of every class.
//
// Chunks sit at the depth of the modules they come from (dist/src/<folder>/): modules find files
// relative to their own URL (the package root, the sandbox's entry, the watchdog's script).
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild';

const src = path.dirname(fileURLToPath(import.meta.url));
const sandboxDir = path.join(src, 'sandbox');
const hostDir = path.join(src, 'host');

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  metafile: true,
  logLevel: 'warning',
  // Some CommonJS dependencies (commander's, Babel's, the MCP SDK's) require Node's own modules.
  banner: {
    js: "import { createRequire as sesameCreateRequire } from 'node:module'; const require = sesameCreateRequire(import.meta.url);",
  },
};

/** What `file` imports statically, other than Node's own modules: all evaluated before its code. */
function staticImports(meta: Metafile, file: string): string[] {
  const output = meta.outputs[path.relative(process.cwd(), file)];
  if (output === undefined) throw new Error(`bundle: no output ${file}`);
  return output.imports
    .filter((entry) => entry.kind === 'import-statement' && !entry.path.startsWith('node:'))
    .map((entry) => entry.path);
}

function checkOrder(meta: Metafile, file: string, expected: string[]): void {
  const found = staticImports(meta, file);
  if (found.join() !== expected.join()) {
    throw new Error(
      `bundle: ${file} imports ${JSON.stringify(found)} before its own code, not ${JSON.stringify(expected)}: lockdown() would not come first`,
    );
  }
}

/** Remove the outputs of an earlier build (chunk names carry content hashes). */
function clean(dir: string, names: RegExp): void {
  for (const name of readdirSync(dir)) if (names.test(name)) rmSync(path.join(dir, name));
}

async function bundleSandbox(): Promise<number> {
  clean(sandboxDir, /^(entry|lockdown)\.bundle[.-]/);
  const lockdown = await build({
    ...common,
    entryPoints: { 'lockdown.bundle': path.join(sandboxDir, 'lockdown.js') },
    outdir: sandboxDir,
    banner: {},
  });
  checkOrder(lockdown.metafile as Metafile, path.join(sandboxDir, 'lockdown.bundle.js'), []);
  const rest = await build({
    ...common,
    entryPoints: { 'entry.bundle': path.join(sandboxDir, 'entry.js') },
    outdir: sandboxDir,
    splitting: true,
    chunkNames: 'entry.bundle-[name]-[hash]',
    plugins: [
      {
        name: 'lockdown-first',
        setup(b) {
          b.onResolve({ filter: /^\.\/lockdown\.js$/ }, () => ({
            path: './lockdown.bundle.js',
            external: true,
          }));
        },
      },
    ],
  });
  const meta = rest.metafile as Metafile;
  checkOrder(meta, path.join(sandboxDir, 'entry.bundle.js'), ['./lockdown.bundle.js']);
  // A second copy of SES after lockdown() would be a second, unlocked set of its modules.
  const ses = Object.keys(meta.inputs).find((input) => input.includes('node_modules/ses/'));
  if (ses !== undefined) throw new Error(`bundle: SES is bundled after lockdown() too (${ses})`);
  return Object.keys(meta.outputs).length + 1;
}

/**
 * Node's ES module facade of a builtin reads every export, lazy ones included: for node:http that
 * loads undici (its WebSocket and friends, ~10 to 30 ms), for node:tls ~5 ms. The host imports them
 * only because the built-in plugins' definitions come with their code (the http plugin's
 * transport, which runs in sandboxes): in the host bundle they are `require()`d, the same objects
 * without the facade (cold `sesame run` 146 -> 136 ms). Only default imports are provided; a named
 * one fails the build.
 */
const requiredBuiltins: Plugin = {
  name: 'required-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:(http|tls)$/ }, (args) =>
      args.kind === 'require-call'
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'required-builtin' },
    );
    b.onLoad({ filter: /.*/, namespace: 'required-builtin' }, (args) => ({
      contents: `export default require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

async function bundleHost(): Promise<number> {
  rmSync(hostDir, { recursive: true, force: true });
  const host = await build({
    ...common,
    plugins: [requiredBuiltins],
    entryPoints: {
      index: path.join(src, 'index.js'),
      plugin: path.join(src, 'plugin', 'index.js'),
      prestart: path.join(src, 'cli', 'prestart.js'),
      cli: path.join(src, 'cli', 'main.js'),
    },
    outdir: hostDir,
    splitting: true,
    chunkNames: 'chunk-[hash]',
  });
  return Object.keys((host.metafile as Metafile).outputs).length;
}

const sandboxFiles = await bundleSandbox();
const hostFiles = await bundleHost();
process.stdout.write(`bundles: sandbox ${sandboxFiles} files, host ${hostFiles} files\n`);
