// node:vm, for reference only: fast and NOT a security boundary (the shared attack corpus escapes
// it in one line). A new context per run; host functions handed in as plain functions.
import vm from 'node:vm';

export async function createNodeVm({ host }) {
  return {
    id: 'vm',
    label: 'node:vm',
    version: `node ${process.versions.node}`,
    capacity: Number.POSITIVE_INFINITY,
    async run(body, opts = {}) {
      const g = {};
      const caps = new Set(opts.caps ?? []);
      if (caps.has('fs')) g.fs = { readFile: (p) => host.readFileSync(p) };
      if (caps.has('tools')) g.tools = { lookup: (args) => host.lookup(args) };
      if (caps.has('clock')) g.clock = { now: () => Date.now() };
      if (caps.has('gate')) g.gate = { wait: () => host.gate() };
      for (let i = 0; i < (opts.methods ?? 0); i++) g[`m${i}`] = () => i;
      try {
        const context = vm.createContext(g);
        const value = await vm.runInContext(`(async function () {\n${body}\n})()`, context, {
          timeout: opts.timeoutMs ?? 60_000,
        });
        return { ok: true, value };
      } catch (error) {
        return { ok: false, error: String(error?.message ?? error) };
      }
    },
    async close() {},
  };
}
