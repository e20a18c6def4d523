// @sebastianwessel/quickjs, through its documented API: loadQuickJs(variant) once, then
// runSandboxed(({ evalCode }) => evalCode(code), options) per run, which makes a fresh QuickJS
// context with its Node-compatibility modules, a virtual file system and the `env` object (host
// functions included), and disposes of it afterwards. Code is an ES module whose default export
// is the result. The variant is quickjs-emscripten's RELEASE_SYNC, the same QuickJS build the
// quickjs-emscripten column uses (the package's docs name the quickjs-ng build, not installed here).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const MEMORY_BYTES = 64 << 20;

export async function createSwQuickJs({ host }) {
  const { loadQuickJs } = await import('@sebastianwessel/quickjs');
  const { RELEASE_SYNC } = await import('quickjs-emscripten');
  const load = () => loadQuickJs(RELEASE_SYNC);
  const { runSandboxed } = await load();

  const runWith = async (run, body, opts = {}) => {
    const caps = [...new Set(opts.caps ?? [])];
    const env = {};
    if (caps.includes('fs')) env.fs = { readFile: (p) => host.readFileSync(p) };
    if (caps.includes('tools')) env.tools = { lookup: (args) => host.lookup(args) };
    if (caps.includes('clock')) env.clock = { now: () => Date.now() };
    if (caps.includes('gate')) env.gate = { wait: () => host.gate() };
    for (let i = 0; i < (opts.methods ?? 0); i++) env[`m${i}`] = () => i;
    const prelude = caps.length ? `const { ${caps.join(', ')} } = env;\n` : '';
    const code = `${prelude}export default await (async function () {\n${body}\n})();`;
    try {
      const res = await run(({ evalCode }) => evalCode(code), {
        env,
        executionTimeout: opts.timeoutMs ?? 60_000,
        memoryLimit: MEMORY_BYTES,
      });
      return res.ok ? { ok: true, value: res.data } : { ok: false, error: String(res.error?.message) };
    } catch (error) {
      return { ok: false, error: String(error?.message ?? error) };
    }
  };

  return {
    id: 'sw',
    label: '@sebastianwessel/quickjs',
    version: `@sebastianwessel/quickjs ${require('@sebastianwessel/quickjs/package.json').version}`,
    capacity: Number.POSITIVE_INFINITY,
    /** loadQuickJs() again (a new WebAssembly module) and a first run. */
    async coldSandbox(body) {
      const fresh = await load();
      return runWith(fresh.runSandboxed, body);
    },
    run: (body, opts) => runWith(runSandboxed, body, opts),
    async close() {},
  };
}
