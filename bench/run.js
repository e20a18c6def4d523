#!/usr/bin/env node
// `npm run bench`: sesame's own costs, measured in one run on this machine, as medians and p99s.
// Scenarios: lockdown inside a sandbox, cold `sesame run`, warm runs through the library API, and
// the membrane's overhead per capability call (audit on). `--quick` runs tiny counts (for tests).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRuntime, memorySink } from '../dist/src/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const n = (full, small) => (quick ? small : full);

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), p99: at(0.99), n: s.length };
};
const fmtMs = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(1)} ms`);
const rows = [];
const row = (scenario, st, unit = fmtMs, note = '') =>
  rows.push(`| ${scenario} | ${unit(st.median)} | ${unit(st.p99)} | ${st.n} | ${note} |`);

// 1. lockdown() inside a fresh sandbox process, as the sandbox reports it.
{
  const times = [];
  for (let i = 0; i < n(10, 2); i++) {
    const child = spawn(process.execPath, [path.join(root, 'dist/src/sandbox/entry.js')], {
      env: {},
      stdio: ['pipe', 'ignore', 'ignore', 'pipe'],
    });
    const ms = await new Promise((resolve) =>
      child.stdio[3].once('data', (d) => resolve(JSON.parse(String(d).split('\n')[0]).lockdownMs)),
    );
    child.kill();
    times.push(ms);
  }
  row('lockdown() in a sandbox process', stats(times));
}

// 2. Cold start: process start to first result, `sesame run` on a trivial script; beside it the
// raw floor of a Node process that only loads SES, locks down and evaluates in a Compartment.
{
  const cold = [];
  const floor = [];
  const floorScript =
    "import 'ses'; lockdown(); const c = new Compartment(); process.stdout.write(String(await c.evaluate('(async function(){ return 1 })')()));";
  for (let i = 0; i < n(10, 2); i++) {
    let t = performance.now();
    const res = spawnSync(
      process.execPath,
      ['bin/sesame.js', 'run', 'examples/hello.js', '--policy', 'policies/hello.yaml', '--json'],
      { cwd: root, encoding: 'utf8' },
    );
    cold.push(performance.now() - t);
    if (res.status !== 0) throw new Error(`sesame run failed: ${res.stdout}${res.stderr}`);
    t = performance.now();
    spawnSync(process.execPath, ['--input-type=module', '-e', floorScript], { cwd: root, encoding: 'utf8' });
    floor.push(performance.now() - t);
  }
  const c = stats(cold);
  const f = stats(floor);
  row('cold `sesame run` (trivial script)', c, fmtMs, `${(c.median / f.median).toFixed(2)}× the floor`);
  row('cold floor: node + SES lockdown + Compartment', f);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-bench-'));
const policy = (caps, maxCalls = 1000) => {
  const file = path.join(dir, `p${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(
    file,
    `version: 1\ntask: bench\nlimits: { timeoutMs: 60000, memoryMb: 64, maxCalls: ${maxCalls}, maxOutputBytes: 65536 }\ncapabilities: ${caps}\n`,
  );
  return file;
};

// 3. Warm trivial runs through the library API: a fresh Compartment each run, policy cached.
{
  const runtime = createRuntime({ size: 1 });
  const file = policy('{}');
  await runtime.prewarm(64);
  for (let i = 0; i < n(200, 5); i++) await runtime.run({ policyPath: file, script: 'return 1;' });
  const times = [];
  for (let i = 0; i < n(2000, 20); i++) {
    const t = performance.now();
    const res = await runtime.run({ policyPath: file, script: 'return 1;' });
    times.push(performance.now() - t);
    if (!res.ok) throw new Error(JSON.stringify(res.error));
  }
  row('warm trivial run, library API', stats(times));
  await runtime.close();
}

// 4. Membrane overhead per capability call, audit on (a memory sink and the run's own records):
// a loop of cheap calls (clock.now) minus the same loop calling a local function.
{
  const calls = n(100_000, 200);
  const runtime = createRuntime({ size: 1, audit: memorySink() });
  const file = policy('{ clock: { plugin: clock } }', calls + 10);
  const timeIt = async (script) => {
    const res = await runtime.run({ policyPath: file, script });
    if (!res.ok) throw new Error(JSON.stringify(res.error));
    return res.result;
  };
  const loop = (body) =>
    `const t0 = Date.now(); for (let i = 0; i < ${calls}; i++) { ${body} } return Date.now() - t0;`;
  const per = [];
  for (let i = 0; i < n(5, 1); i++) {
    const withCap = await timeIt(loop('await clock.now();'));
    const without = await timeIt(`const f = async () => 1; ${loop('await f();')}`);
    per.push((withCap - without) / calls);
  }
  row(`capability call overhead (${calls} calls, audit on)`, stats(per), fmtMs, 'per call');
  await runtime.close();
}
fs.rmSync(dir, { recursive: true, force: true });

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `# sesame bench\n\n${new Date().toISOString().slice(0, 10)} · Node ${process.versions.node} · ${os.availableParallelism()} × ${cpu} · ${os.platform()} ${os.arch()}${quick ? ' · --quick' : ''}\n`,
);
console.log('| scenario | median | p99 | n | note |\n| --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
