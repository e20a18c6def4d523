#!/usr/bin/env node
// `npm run bench:load`: the load-and-faults mix of test/load.test.ts at a larger scale. One runtime
// (pool size: the number of cores), 2,000 runs, 64 in flight, a tenth hostile (runaway loop, memory
// bomb, call flood, throw, output flood, V8 abort of the sandbox). Prints runs/s, outcome counts
// (and any wrong outcome), p50/p99 latency of benign runs, and the host's peak RSS.
// `--quick` runs tiny counts (for tests).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRuntime, jsonlSink } from 'sesame';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const RUNS = quick ? 40 : 2000;
const IN_FLIGHT = quick ? 8 : 64;
const SIZE = os.availableParallelism();
const RUN_DEADLINE_MS = 60_000;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-bench-load-'));
const FILES = 10;
fs.mkdirSync(path.join(dir, 'root', 'data'), { recursive: true });
for (let f = 0; f < FILES; f++)
  fs.writeFileSync(path.join(dir, 'root', 'data', `f${f}.txt`), `file ${f} `.repeat(f + 1));
const policy = (name, limits, caps = '{}') => {
  const l = { timeoutMs: 2000, memoryMb: 64, maxCalls: 100, maxOutputBytes: 65536, ...limits };
  const file = path.join(dir, `${name}.yaml`);
  const lim = Object.entries(l)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  fs.writeFileSync(file, `version: 1\ntask: ${name}\nlimits: { ${lim} }\ncapabilities: ${caps}\n`);
  return file;
};
let huge;
try {
  huge = fs.readFileSync(path.join(root, '../shared/attacks/033-huge-string.js'), 'utf8');
} catch {
  huge =
    "let s = 'x'; const keep = []; for (let i = 0; i < 40; i++) { s = s + s; s.indexOf('y'); keep.push(s); } return s.length;";
}
const kinds = {
  benign: {
    policy: policy(
      'benign',
      {},
      '{ fs: { plugin: fs, root: ./root, read: ["data/**"] }, clock: { plugin: clock } }',
    ),
    script: [
      "const text = await fs.readFile('data/f' + input.file + '.txt', 'utf8');",
      'const t = await clock.now();',
      'if (typeof t !== "number" || !(Date.now() >= t)) throw new Error("no clock");',
      'return { id: input.id, words: text.trim().split(" ").length, sum: input.a + input.b, tag: text.slice(0, 6) };',
    ].join('\n'),
  },
  loop: { policy: policy('loop', { timeoutMs: 300 }), script: 'while (true) {}', code: 'E_TIMEOUT' },
  memory: {
    policy: policy('memory', { memoryMb: 32, timeoutMs: 20000 }),
    script: 'const hog = []; for (;;) hog.push(new Array(1 << 20).fill(input.id));',
    code: 'E_MEMORY',
  },
  calls: {
    policy: policy('calls', { maxCalls: 3 }, '{ clock: { plugin: clock } }'),
    script: 'for (let i = 0; i < 100; i++) { try { await clock.now(); } catch {} }\nreturn "done";',
    code: 'E_CALL_LIMIT',
  },
  throw: {
    policy: policy('throw', {}),
    script: 'throw new RangeError("hostile " + input.id);',
    code: 'E_SCRIPT',
  },
  output: {
    policy: policy('output', { maxOutputBytes: 1000 }),
    script: 'for (let i = 0; i < 10000; i++) { try { console.log("flood", i); } catch {} }\nreturn 1;',
    code: 'E_OUTPUT_LIMIT',
  },
  crash: { policy: policy('crash', { memoryMb: 32, timeoutMs: 20000 }), script: huge, code: 'E_MEMORY' },
};
const HOSTILE = ['loop', 'memory', 'calls', 'throw', 'output', 'crash'];
const plan = Array.from({ length: RUNS }, (_, i) =>
  i % 10 === 5 ? HOSTILE[Math.floor(i / 10) % HOSTILE.length] : 'benign',
);

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);
const auditFile = path.join(dir, 'audit.jsonl');
const runtime = createRuntime({ size: SIZE, audit: jsonlSink(auditFile) });
const outcomes = {};
const wrong = [];
const latency = [];
let next = 0;
const t0 = performance.now();
const lane = async () => {
  while (next < RUNS) {
    const i = next++;
    const kind = plan[i];
    const k = kinds[kind];
    const input = { id: i, file: i % FILES, a: i, b: i * 3 };
    const start = performance.now();
    let timer;
    const res = await Promise.race([
      runtime.run({ policyPath: k.policy, script: k.script, input }),
      new Promise((resolve) => {
        timer = setTimeout(
          () => resolve({ ok: false, error: { code: 'HUNG', message: 'never settled' } }),
          RUN_DEADLINE_MS,
        );
      }),
    ]);
    clearTimeout(timer);
    const ms = performance.now() - start;
    const code = res.ok ? 'ok' : res.error?.code;
    const key = `${kind} → ${code}`;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
    if (kind === 'benign') {
      latency.push(ms);
      const f = i % FILES;
      const want = JSON.stringify({ id: i, words: 2 * (f + 1), sum: 4 * i, tag: `file ${f}`.slice(0, 6) });
      if (JSON.stringify(res.result) !== want)
        wrong.push(`run ${i} benign: ${JSON.stringify(res.error ?? res.result)}`);
    } else if (code !== k.code) wrong.push(`run ${i} ${kind}: ${code} (${res.error?.message})`);
  }
};
await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
const elapsed = performance.now() - t0;
await runtime.close();
clearInterval(sampler);

const lines = fs.readFileSync(auditFile, 'utf8').trimEnd().split('\n');
let starts = 0;
let ends = 0;
let torn = 0;
for (const line of lines) {
  try {
    const r = JSON.parse(line);
    if (r.event === 'run.start') starts++;
    if (r.event === 'run.end') ends++;
  } catch {
    torn++;
  }
}
fs.rmSync(dir, { recursive: true, force: true });

const s = latency.sort((a, b) => a - b);
const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `# sesame load bench\n\n${new Date().toISOString().slice(0, 10)} · Node ${process.versions.node} · ${os.availableParallelism()} × ${cpu}${quick ? ' · --quick' : ''}\n`,
);
console.log(`runs: ${RUNS} (${RUNS - latency.length} hostile), ${IN_FLIGHT} in flight, pool size ${SIZE}`);
console.log(`throughput: ${((RUNS / elapsed) * 1000).toFixed(1)} runs/s (${(elapsed / 1000).toFixed(1)} s)`);
console.log(
  `benign latency: p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms (queueing included)`,
);
console.log(`host peak RSS: ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
console.log(`audit: ${lines.length} lines, ${starts} run.start, ${ends} run.end, ${torn} torn`);
console.log('outcomes:');
for (const [k, v] of Object.entries(outcomes).sort()) console.log(`  ${k}: ${v}`);
if (wrong.length > 0) {
  console.log(`WRONG OUTCOMES (${wrong.length}):`);
  for (const w of wrong.slice(0, 20)) console.log(`  ${w}`);
  process.exitCode = 1;
}
if (starts !== RUNS || ends !== RUNS || torn > 0) process.exitCode = 1;
