#!/usr/bin/env node
// `npm run bench`: sesame beside its peers in one invocation (issue 6). The raw floor (a pool of
// locked-down SES child processes, no policy or audit), node:vm (reference only), isolated-vm,
// quickjs-emscripten and @sebastianwessel/quickjs do the same work as sesame in nine scenarios:
// cold start, warm runs, a realistic tool script, capability and host-tool calls, CPU-bound work,
// throughput, a runaway script, and growth (policy, script, memory). Prints one markdown table
// (and where a peer wins) and, after a full run, writes it to bench/results.md.
//
//   node bench/run.js [--quick] [--only <scenario: number or name>]
//
// --quick runs tiny counts (test/bench.test.ts uses it; its numbers mean nothing). Progress goes
// to stderr, the report to stdout.
import fs from 'node:fs';
import os from 'node:os';
import { startAll } from './lib/engines.js';
import { createHost } from './lib/host.js';
import { renderReport } from './lib/table.js';
import { SCENARIOS } from './scenarios.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const onlyAt = argv.indexOf('--only');
const only = onlyAt >= 0 ? argv[onlyAt + 1] : undefined;
const selected = SCENARIOS.filter(
  (s) => only === undefined || only === s.key || Number.parseInt(only, 10) === s.n,
);
if (selected.length === 0) {
  console.error(`--only: no scenario ${only} (${SCENARIOS.map((s) => `${s.n} ${s.key}`).join(', ')})`);
  process.exit(2);
}

const started = performance.now();
const load = os.loadavg()[0].toFixed(2);
const progress = (text) =>
  process.stderr.write(`bench: ${text} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
const host = createHost();
const { sesame, peers } = await startAll(host);
progress(
  `engines up: ${[sesame, ...peers].map((e) => (e.unavailable ? `${e.label} (${e.unavailable})` : e.label)).join(', ')}`,
);
const ctx = { quick, host, sesame, peers, maxRunMs: quick ? 200 : 1500 };

const rows = [];
for (const scenario of selected) {
  rows.push(...(await scenario.rows(ctx)));
  progress(`${scenario.n} ${scenario.key} done`);
}

const loadEnd = os.loadavg()[0].toFixed(2);
const versions = [sesame, ...peers]
  .filter((e) => !e.unavailable && e.id !== 'vm')
  .map((e) => e.version)
  .join(' · ');
const header = `${new Date().toISOString().slice(0, 10)} · ${os.cpus()[0]?.model ?? 'unknown CPU'} · ${os.availableParallelism()} cores (load average ${load} at start, ${loadEnd} at end) · Node ${process.versions.node} · ${os.platform()} ${os.arch()} · ${versions}${quick ? ' · --quick' : ''}${only ? ` · --only ${only}` : ''}`;
const report = renderReport({ header, rows, peers, quick });
process.stdout.write(`${report}\n`);
if (!quick && only === undefined) {
  fs.writeFileSync(new URL('./results.md', import.meta.url), `${report}\n`);
  progress('written to bench/results.md');
}
for (const e of [sesame, ...peers]) {
  try {
    await e.close?.();
  } catch (error) {
    progress(`closing ${e.label}: ${error?.message ?? error}`);
  }
}
host.cleanup();
process.exit(0);
