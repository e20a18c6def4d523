// sesame through its library API: one runtime (default pool size), prewarmed, audit on (every
// record goes to a callback sink, as well as into each run's result), a policy per kind of run
// loaded once with runtime.loadPolicy and passed as `policy`. Host tools (scenarios 3 and 5) are
// registered as the planned API says; whether this build has them is found out by trying.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { callbackSink, createRuntime } from 'sesame';
import { z } from 'zod';

const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
export const NOT_YET_TOOLS = 'not yet: host tools';
/** kv's methods (get, set, delete, has, list): policies grow by kv capabilities. */
const KV_METHODS = 5;

export async function createSesame({ host, size, maxRunsPerSandbox }) {
  let records = 0;
  const tools = {
    lookup: {
      description: 'Look up a word',
      args: z.object({ word: z.string() }),
      returns: z.object({ n: z.number() }),
      handler: async (args) => host.lookup(args),
    },
  };
  const options = {
    ...(size === undefined ? {} : { size }),
    ...(maxRunsPerSandbox === undefined ? {} : { maxRunsPerSandbox }),
    audit: callbackSink(() => {
      records++;
    }),
  };
  // A build without host tools ignores the option (and a policy naming them fails below); one
  // that refuses this shape of it runs without, and says so.
  let runtime;
  let refused;
  try {
    runtime = createRuntime({ ...options, tools });
  } catch (error) {
    refused = `failed: createRuntime({ tools }) threw: ${String(error?.message ?? error).slice(0, 80)}`;
    runtime = createRuntime(options);
  }
  await runtime.prewarm();

  // The gate: a loopback HTTP server that answers once the bench opens the gate.
  const server = http.createServer((_req, res) => {
    void host.gate().then(() => res.end('ok'));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;

  const policies = new Map();
  let counter = 0;
  async function policyFor(opts) {
    const key = JSON.stringify([opts.caps ?? [], opts.methods ?? 0, opts.timeoutMs ?? 60_000]);
    let policy = policies.get(key);
    if (policy) return policy;
    const caps = [];
    for (const cap of opts.caps ?? []) {
      if (cap === 'fs')
        caps.push(`fs: { plugin: fs, root: ${JSON.stringify(host.dataDir)}, read: ["data/**"] }`);
      if (cap === 'tools') caps.push('tools: { plugin: tools, allow: [lookup] }');
      if (cap === 'clock') caps.push('clock: { plugin: clock }');
      if (cap === 'gate') caps.push(`gate: { plugin: http, allow: ["GET http://127.0.0.1:${port}/*"] }`);
    }
    for (let i = 0; i < Math.ceil((opts.methods ?? 0) / KV_METHODS); i++) caps.push(`k${i}: { plugin: kv }`);
    const limits = `{ timeoutMs: ${opts.timeoutMs ?? 60_000}, memoryMb: 64, maxCalls: 1000000, maxOutputBytes: 1048576 }`;
    const file = path.join(host.dir, `policy-${++counter}.yaml`);
    fs.writeFileSync(
      file,
      `version: 1\ntask: bench\nlimits: ${limits}\ncapabilities: {${caps.length ? ` ${caps.join(', ')} ` : ''}}\n`,
    );
    policy = await runtime.loadPolicy(file);
    policies.set(key, policy);
    return policy;
  }

  // Host tools: supported when a policy may grant them and a call comes back with the answer.
  async function probeTools() {
    if (refused !== undefined) return refused;
    try {
      const policy = await policyFor({ caps: ['tools'] });
      const res = await runtime.run({ policy, script: "return await tools.lookup({ word: 'abc' });" });
      return res.ok && res.result?.n === 3 ? true : `failed: ${res.error?.code} ${res.error?.message}`;
    } catch (error) {
      const message = String(error?.message ?? error);
      return /unknown plugin "tools"/.test(message) ? NOT_YET_TOOLS : `failed: ${message.slice(0, 80)}`;
    }
  }
  const toolsSupport = await probeTools();

  return {
    id: 'sesame',
    label: 'sesame',
    version: `sesame ${pkg.version}`,
    capacity: size ?? os.availableParallelism(),
    runtime,
    toolsSupport,
    get auditRecords() {
      return records;
    },
    gateCall: `gate('http://127.0.0.1:${port}/gate')`,
    /** Why this build cannot run a kind of run, or undefined when it can. */
    unsupported(opts = {}) {
      if ((opts.caps ?? []).includes('tools') && toolsSupport !== true) return toolsSupport;
      return undefined;
    },
    async run(body, opts = {}) {
      const skip = this.unsupported(opts);
      if (skip !== undefined) return { ok: false, skip, error: skip };
      const policy = await policyFor(opts);
      const res = await runtime.run({ policy, script: body });
      return res.ok
        ? { ok: true, value: res.result }
        : { ok: false, error: `${res.error?.code}: ${res.error?.message}` };
    },
    async close() {
      await runtime.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A runtime of one sandbox, started and used once: a new sandbox in a running host. */
export async function sesameColdSandbox(body) {
  const runtime = createRuntime({ size: 1 });
  try {
    const res = await runtime.run({ policy: 'version: 1\ntask: cold\n', script: body });
    if (!res.ok) throw new Error(`${res.error?.code}: ${res.error?.message}`);
    return res.result;
  } finally {
    await runtime.close();
  }
}
