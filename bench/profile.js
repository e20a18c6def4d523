#!/usr/bin/env node
// Where sesame's time goes, for the rows of `npm run bench` that miss their targets: runs one
// workload through sesame with V8's CPU profiler on in the host AND in every sandbox process
// (their `node` is spawned with --cpu-prof), then prints each process's top functions by self
// time. The .cpuprofile files stay in the printed folder (open them in Chrome DevTools).
//
//   node bench/profile.js <warm|realistic|calls|reads|tools|cpu|throughput|start|raw-warm|raw-cpu> [runs]
//
// raw-* run the same workload on the raw SES floor, for comparison.
//
// The host profile is this process's (started with --cpu-prof by re-executing itself).
import childProcess, { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [workload = 'warm', runsArg] = process.argv.slice(2);
const self = fileURLToPath(import.meta.url);

if (!process.env.SESAME_PROFILE_DIR) {
  // The parent: re-run this file under --cpu-prof, then read every profile it left.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sesame-profile-${workload}-`));
  const res = spawnSync(
    process.execPath,
    ['--cpu-prof', `--cpu-prof-dir=${path.join(dir, 'host')}`, self, workload, ...(runsArg ? [runsArg] : [])],
    {
      stdio: 'inherit',
      env: { ...process.env, SESAME_PROFILE_DIR: dir },
    },
  );
  if (res.status !== 0) process.exit(res.status ?? 1);
  for (const sub of ['host', 'sandbox']) {
    const files = fs.existsSync(path.join(dir, sub)) ? fs.readdirSync(path.join(dir, sub)) : [];
    for (const file of files) report(`${sub} ${file}`, path.join(dir, sub, file));
  }
  console.log(`profiles: ${dir}`);
  process.exit(0);
}

function label(node) {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url
    ? `${url.replace(/^file:\/\//, '').replace(/.*\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}`
    : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
}

/** Where a function lives: a package, a folder of sesame, Node's internals, or native code. */
function packageOf(url) {
  if (!url) return 'native/GC';
  if (url.startsWith('node:')) return 'node internals';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  const d = /\/dist\/(src\/[^/]+|plugins\/[^/]+)/.exec(url);
  if (d) return `sesame ${d[1]}`;
  return path.basename(url);
}

/** Top functions by self time in one .cpuprofile, each with the caller that spent most in it. */
function report(title, file) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n);
  const self = new Map();
  const callers = new Map();
  const byPackage = new Map();
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const dt = profile.timeDeltas[i] ?? 0;
    const key = label(node);
    if (key === '(idle)') continue;
    busy += dt;
    self.set(key, (self.get(key) ?? 0) + dt);
    const pkg = packageOf(node.callFrame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + dt);
    // The nearest caller that is JavaScript of ours or of a library, not a Node internal.
    let p = parentOf.get(node.id);
    while (p && /^\S+ node:|^\(anonymous\)$/.test(label(p))) p = parentOf.get(p.id);
    const by = callers.get(key) ?? new Map();
    const pk = p ? label(p) : '(root)';
    by.set(pk, (by.get(pk) ?? 0) + dt);
    callers.set(key, by);
  }
  console.log(`\n## ${title}: ${(busy / 1000).toFixed(0)} ms on CPU`);
  console.log(
    `by package: ${[...byPackage]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([k, us]) => `${k} ${(us / 1000).toFixed(0)} ms`)
      .join(', ')}`,
  );
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 22)) {
    const top = [...callers.get(key)].sort((a, b) => b[1] - a[1])[0]?.[0];
    console.log(
      `${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / Math.max(1, busy)).toFixed(1).padStart(5)}%  ${key}  <- ${top}`,
    );
  }
}

// The child: sandboxes spawned with --cpu-prof into <dir>/sandbox; each is ended by closing its
// stdin (it exits normally and writes its profile) while this host is still its parent.
const dir = process.env.SESAME_PROFILE_DIR;
const children = [];
const spawn = childProcess.spawn;
childProcess.spawn = (command, args, options) => {
  const child = spawn(
    command,
    ['--cpu-prof', `--cpu-prof-dir=${path.join(dir, 'sandbox')}`, ...args],
    options,
  );
  children.push(child);
  return child;
};
syncBuiltinESMExports();

const { createHost } = await import('./lib/host.js');
const { createSesame } = await import('./engines/sesame.js');
const { CPU, callLoop, REALISTIC, TRIVIAL } = await import('./lib/workloads.js');
const { throughputWindow } = await import('./lib/measure.js');
const { createRawSes } = await import('./engines/raw-ses.js');
const host = createHost();
const started = performance.now();
// Sandboxes are not retired during a profile (a retired one is killed and leaves no profile).
const engine = workload.startsWith('raw-')
  ? await createRawSes({ host })
  : await createSesame({ host, maxRunsPerSandbox: 1e9 });
const runs = Number(runsArg ?? 3000);
const fsOnly = REALISTIC.replace('await tools.lookup({ word: top[0][0] })', '{ n: top[0][0].length }');
const t0 = performance.now();
switch (workload) {
  case 'warm':
  case 'raw-warm':
    for (let i = 0; i < runs; i++) await engine.run(TRIVIAL);
    break;
  case 'realistic':
    for (let i = 0; i < runs; i++) await engine.run(fsOnly, { caps: ['fs'] });
    break;
  case 'calls':
    for (let i = 0; i < 3; i++) await engine.run(callLoop(100_000, 'clock.now()'), { caps: ['clock'] });
    break;
  case 'reads':
    for (let i = 0; i < 3; i++) {
      await engine.run(callLoop(10_000, "fs.readFile('data/notes.txt', 'utf8')"), { caps: ['fs'] });
    }
    break;
  case 'tools':
    for (let i = 0; i < 3; i++) {
      await engine.run(callLoop(10_000, "tools.lookup({ word: 'sesame' })"), { caps: ['tools'] });
    }
    break;
  case 'cpu':
  case 'raw-cpu':
    for (let i = 0; i < Math.min(runs, 50); i++) await engine.run(CPU);
    break;
  case 'throughput':
    console.log(
      await throughputWindow(() => engine.run(TRIVIAL), 64, 3000).then((r) => `${r.rate.toFixed(0)} runs/s`),
    );
    break;
  case 'start':
    console.log(`runtime up (2 sandboxes ready) in ${(t0 - started).toFixed(0)} ms`);
    break;
  default:
    throw new Error(`unknown workload ${workload}`);
}
console.log(`${workload}: ${(performance.now() - t0).toFixed(0)} ms`);
// End the sandboxes gracefully (stdin closed) so they write their profiles.
for (const child of children) child.stdin?.end();
await Promise.all(
  children.map((c) =>
    c.exitCode === null && c.signalCode === null ? new Promise((r) => c.on('exit', r)) : null,
  ),
);
host.cleanup();
process.exit(0);
