// isolated-vm: a new Context per run in a pooled Isolate (creating an Isolate is the cold cost,
// measured apart). Host functions are References the guest calls with applySync (arguments and
// results copied); the gate, which must not block the isolate, is an async apply whose promise
// the guest awaits. Runs are synchronous on the host thread, except for throughput, where runs
// go asynchronously to one isolate per core (ivm runs them on its own threads).
import { createRequire } from 'node:module';
import os from 'node:os';

const require = createRequire(import.meta.url);
// ivm's default. At 64 (sesame's memoryMb), 64 runs in flight on one isolate (a context each,
// released but not yet collected) got the isolate disposed for passing its limit, failing every
// later run on it; once the host process then aborted on exit.
const MEMORY_MB = 128;

/** The guest side: globals built from the References passed as $0..$3, then the body. */
function source(body, opts) {
  const caps = new Set(opts.caps ?? []);
  const lines = [
    'const copy = { arguments: { copy: true }, result: { copy: true } };',
    'const call = (ref) => (...args) => ref.applySync(undefined, args, copy);',
  ];
  if (caps.has('fs')) lines.push('globalThis.fs = { readFile: call($0) };');
  if (caps.has('tools')) lines.push('globalThis.tools = { lookup: call($1) };');
  if (caps.has('clock')) lines.push('globalThis.clock = { now: call($2) };');
  if (caps.has('gate'))
    lines.push('globalThis.gate = { wait: () => $3.apply(undefined, [], { result: { promise: true } }) };');
  // Host functions beyond the four: one Reference each, passed as $4...
  for (let i = 0; i < (opts.methods ?? 0); i++) lines.push(`globalThis.m${i} = call($${i + 4});`);
  lines.push(`return (async function () {\n${body}\n})();`);
  return lines.join('\n');
}

export async function createIsolatedVm({ host }) {
  const ivm = require('isolated-vm');
  const refs = [
    new ivm.Reference((p) => host.readFileSync(p)),
    new ivm.Reference((args) => host.lookup(args)),
    new ivm.Reference(() => Date.now()),
    new ivm.Reference(() => host.gate()),
  ];
  const methodRefs = [];
  const argsFor = (n) => {
    while (methodRefs.length < n) {
      const i = methodRefs.length;
      methodRefs.push(new ivm.Reference(() => i));
    }
    return [...refs, ...methodRefs.slice(0, n)];
  };
  const newIsolate = () => new ivm.Isolate({ memoryLimit: MEMORY_MB });
  let isolate = newIsolate();
  // Throughput: one isolate per core, used asynchronously.
  let pool;
  let turn = 0;

  const settle = async (fn) => {
    try {
      return { ok: true, value: await fn() };
    } catch (error) {
      return { ok: false, error: String(error?.message ?? error) };
    }
  };

  return {
    id: 'ivm',
    label: 'isolated-vm',
    version: `isolated-vm ${require('isolated-vm/package.json').version}`,
    capacity: Number.POSITIVE_INFINITY,
    /** A new Isolate, its first context and a first run: what a cold sandbox costs in a running host. */
    async coldSandbox(body) {
      const iso = newIsolate();
      try {
        const ctx = iso.createContextSync();
        return await ctx.evalClosureSync(source(body, {}), refs, { result: { promise: true, copy: true } });
      } finally {
        iso.dispose();
      }
    },
    run(body, opts = {}) {
      // An isolate disposed (out of memory) is replaced, as a host would.
      if (isolate.isDisposed) isolate = newIsolate();
      return settle(async () => {
        const ctx = isolate.createContextSync();
        try {
          return await ctx.evalClosureSync(source(body, opts), argsFor(opts.methods ?? 0), {
            timeout: opts.timeoutMs ?? 60_000,
            result: { promise: true, copy: true },
          });
        } finally {
          ctx.release();
        }
      });
    },
    runConcurrent(body, opts = {}) {
      pool ??= Array.from({ length: os.availableParallelism() }, newIsolate);
      const at = turn++ % pool.length;
      if (pool[at].isDisposed) pool[at] = newIsolate();
      const iso = pool[at];
      return settle(async () => {
        const ctx = await iso.createContext();
        try {
          return await ctx.evalClosure(source(body, opts), argsFor(opts.methods ?? 0), {
            timeout: opts.timeoutMs ?? 60_000,
            result: { promise: true, copy: true },
          });
        } finally {
          ctx.release();
        }
      });
    },
    async close() {
      for (const iso of [isolate, ...(pool ?? [])]) if (!iso.isDisposed) iso.dispose();
    },
  };
}
