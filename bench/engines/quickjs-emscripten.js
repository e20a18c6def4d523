// quickjs-emscripten: the QuickJS WebAssembly module is loaded once; each run gets a new runtime
// and context (QuickJS.newRuntime / newContext), host functions made with ctx.newFunction, and an
// interrupt handler for the deadline. Everything runs on the host thread.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const MEMORY_BYTES = 64 << 20;

/** Plain data into a QuickJS handle (the caller owns it). */
function toHandle(ctx, value) {
  if (value === undefined) return ctx.undefined;
  if (value === null) return ctx.null;
  if (typeof value === 'number') return ctx.newNumber(value);
  if (typeof value === 'string') return ctx.newString(value);
  if (typeof value === 'boolean') return value ? ctx.true : ctx.false;
  const out = Array.isArray(value) ? ctx.newArray() : ctx.newObject();
  for (const [k, v] of Object.entries(value)) {
    const h = toHandle(ctx, v);
    ctx.setProp(out, k, h);
    h.dispose();
  }
  return out;
}

export async function createQuickJs({ host }) {
  const { getQuickJS, newQuickJSWASMModule, shouldInterruptAfterDeadline } = await import(
    'quickjs-emscripten'
  );
  const QuickJS = await getQuickJS();

  const define = (ctx, name, methods) => {
    const obj = ctx.newObject();
    for (const [method, fn] of Object.entries(methods)) {
      const f = ctx.newFunction(method, fn);
      ctx.setProp(obj, method, f);
      f.dispose();
    }
    ctx.setProp(ctx.global, name, obj);
    obj.dispose();
  };

  async function runIn(module, body, opts = {}) {
    const runtime = module.newRuntime();
    runtime.setMemoryLimit(MEMORY_BYTES);
    runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + (opts.timeoutMs ?? 60_000)));
    const ctx = runtime.newContext();
    try {
      const caps = new Set(opts.caps ?? []);
      if (caps.has('fs'))
        define(ctx, 'fs', { readFile: (p) => ctx.newString(host.readFileSync(ctx.getString(p))) });
      if (caps.has('tools')) define(ctx, 'tools', { lookup: (a) => toHandle(ctx, host.lookup(ctx.dump(a))) });
      if (caps.has('clock')) define(ctx, 'clock', { now: () => ctx.newNumber(Date.now()) });
      if (caps.has('gate')) {
        define(ctx, 'gate', {
          wait: () => {
            const deferred = ctx.newPromise();
            void host.gate().then(() => {
              deferred.resolve();
              deferred.dispose();
              runtime.executePendingJobs();
            });
            return deferred.handle;
          },
        });
      }
      for (let i = 0; i < (opts.methods ?? 0); i++) {
        const f = ctx.newFunction(`m${i}`, () => ctx.newNumber(i));
        ctx.setProp(ctx.global, `m${i}`, f);
        f.dispose();
      }
      const evaluated = ctx.evalCode(`(async function () {\n${body}\n})()`);
      if (evaluated.error) {
        const error = ctx.dump(evaluated.error);
        evaluated.error.dispose();
        return { ok: false, error: String(error?.message ?? error) };
      }
      const promise = evaluated.value;
      runtime.executePendingJobs(-1);
      let state = ctx.getPromiseState(promise);
      if (state.type === 'pending') {
        // Waiting on the host (the gate): settle when QuickJS resolves it.
        const settled = await ctx.resolvePromise(promise);
        state = settled.error
          ? { type: 'rejected', error: settled.error }
          : { type: 'fulfilled', value: settled.value };
      }
      promise.dispose();
      if (state.type === 'fulfilled') {
        const value = ctx.dump(state.value);
        state.value.dispose();
        return { ok: true, value };
      }
      const error = ctx.dump(state.error);
      state.error.dispose();
      return { ok: false, error: String(error?.message ?? error) };
    } finally {
      ctx.dispose();
      runtime.dispose();
    }
  }

  return {
    id: 'qjs',
    label: 'quickjs-emscripten',
    version: `quickjs-emscripten ${require('quickjs-emscripten/package.json').version} (release-sync)`,
    capacity: Number.POSITIVE_INFINITY,
    /** A new WebAssembly module instance and a first run. */
    async coldSandbox(body) {
      const module = await newQuickJSWASMModule();
      return runIn(module, body);
    },
    run: (body, opts) => runIn(QuickJS, body, opts),
    async close() {},
  };
}
