// The scenarios of issue 6, each producing one or more rows: sesame's cell and each peer's, the
// target and whether sesame meets it. Every engine does the same work (lib/workloads.js); each
// exposes host functions its own way (see engines/).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRawSes } from './engines/raw-ses.js';
import { sesameColdSandbox } from './engines/sesame.js';
import {
  CellText,
  must,
  repeatInterleaved,
  sampleInterleaved,
  sleep,
  summarize,
  throughputWindow,
  timeProcess,
} from './lib/measure.js';
import { CPU, callLoop, REALISTIC, RUNAWAY, scriptOfSize, TRIVIAL } from './lib/workloads.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNAWAY_TIMEOUT_MS = 100;
const AsyncFunction = (async () => {}).constructor;
const SINGLE_PROCESS = [
  "import 'ses';",
  'lockdown();',
  "const body = new Compartment().evaluate('(async function () { return 1; })');",
  'process.stdout.write(String(await body()));',
].join(' ');

/** All engines that are up (sesame first), as cells for the samplers. */
const live = (ctx) => [ctx.sesame, ...ctx.peers].filter((e) => !e.unavailable);

/** A row from measured cells: key -> stats | { text }. */
function row(ctx, id, label, cells, extra = {}) {
  const peers = {};
  for (const p of ctx.peers) peers[p.id] = p.unavailable ? { text: p.unavailable } : cells.get(p.id);
  const sesame = ctx.sesame.unavailable ? { text: ctx.sesame.unavailable } : cells.get('sesame');
  return { id, label, unit: 'time', better: 'lower', sesame, peers, ...extra };
}

/** Warm runs of one body, fresh sandbox each, all engines interleaved. */
async function warm(ctx, body, opts = {}, counts = {}) {
  const { quick } = ctx;
  return sampleInterleaved(
    live(ctx).map((e) => ({ key: e.id, fn: () => must(e.run(body, opts)) })),
    {
      warmup: quick ? 2 : (counts.warmup ?? 200),
      iterations: quick ? 4 : (counts.iterations ?? 2000),
      rounds: quick ? 2 : 10,
      budgetMs: quick ? 500 : (counts.budgetMs ?? 4000),
    },
  );
}

/**
 * Cost per call of `call` in a loop: a run of n awaited calls minus a run of n awaited calls of a
 * local function, divided by n. n is `calls` for sesame; for a peer that would take more than
 * `maxRunMs` per run (calibrated on a short loop first), less.
 */
async function perCall(ctx, call, opts, calls) {
  const used = new Map();
  const cells = live(ctx).map((e) => ({
    key: e.id,
    async measure() {
      let n = used.get(e.id);
      if (n === undefined && e.id === 'sesame') n = calls;
      if (n === undefined) {
        const probe = Math.min(calls, 200);
        const t = performance.now();
        await must(e.run(callLoop(probe, call), opts));
        const perCallMs = (performance.now() - t) / probe;
        n = Math.max(Math.min(calls, 200), Math.min(calls, Math.floor(ctx.maxRunMs / perCallMs)));
        used.set(e.id, n);
      }
      let t = performance.now();
      await must(e.run(callLoop(n, call), opts));
      const withCalls = performance.now() - t;
      t = performance.now();
      await must(e.run(callLoop(n, 'f()'), opts));
      const without = performance.now() - t;
      return (withCalls - without) / n;
    },
  }));
  const stats = await repeatInterleaved(cells, ctx.quick ? 1 : 5);
  const note = [...used]
    .filter(([, n]) => n !== calls)
    .map(([id, n]) => `${id}: ${n.toLocaleString('en-US')} calls`)
    .join(', ');
  return { stats, note };
}

const ratioOf = (row, peer) => {
  const s = row.sesame?.median;
  const p = row.peers[peer]?.median;
  return s === undefined || p === undefined ? undefined : s / p;
};

export const SCENARIOS = [
  {
    key: 'cold',
    n: 1,
    async rows(ctx) {
      const commands = {
        sesame: ['bin/sesame.js', 'run', 'examples/hello.js', '--policy', 'policies/hello.yaml', '--json'],
      };
      for (const p of ctx.peers) if (!p.unavailable) commands[p.id] = ['bench/cold.js', p.id];
      const coldCells = Object.entries(commands).map(([key, args]) => ({
        key,
        measure: () => timeProcess(args, root),
      }));
      // The floor of one process: node, SES, lockdown() and one Compartment run (no second process).
      coldCells.push({
        key: 'single',
        measure: () => timeProcess(['--input-type=module', '-e', SINGLE_PROCESS], root),
      });
      const cold = await repeatInterleaved(coldCells, ctx.quick ? 1 : 10);
      const singleStats = cold.get('single');
      const single =
        singleStats?.median === undefined ? singleStats?.text : `${singleStats.median.toFixed(1)} ms`;

      // A new sandbox inside a running host: sesame and the raw floor start a sandbox process;
      // isolated-vm a new Isolate; the QuickJS builds a new WebAssembly module; node:vm a context.
      const fresh = {
        sesame: () => sesameColdSandbox(TRIVIAL),
        raw: async () => {
          const pool = await createRawSes({ host: ctx.host, size: 1 });
          try {
            await must(pool.run(TRIVIAL));
          } finally {
            await pool.close();
          }
        },
      };
      for (const p of ctx.peers) {
        if (p.unavailable || fresh[p.id]) continue;
        fresh[p.id] = p.coldSandbox ? () => p.coldSandbox(TRIVIAL) : () => must(p.run(TRIVIAL));
      }
      const freshCells = Object.entries(fresh)
        .filter(([key]) => key === 'sesame' || ctx.peers.some((p) => p.id === key && !p.unavailable))
        .map(([key, fn]) => ({
          key,
          async measure() {
            const t = performance.now();
            await fn();
            return performance.now() - t;
          },
        }));
      const inHost = await repeatInterleaved(freshCells, ctx.quick ? 1 : 10);
      return [
        row(ctx, '1a', 'cold: process start to first result (`sesame run` hello.js; `node` + peer)', cold, {
          short: 'cold start',
          note: `one process doing node + SES + lockdown() + a Compartment run: ${single}`,
          target: {
            text: '≤1.3× raw SES cold',
            met: (r) => (ratioOf(r, 'raw') === undefined ? undefined : ratioOf(r, 'raw') <= 1.3),
          },
        }),
        row(
          ctx,
          '1b',
          'new sandbox in a running host, to first result (sesame/raw: process; ivm: Isolate; QuickJS: WASM module)',
          inHost,
          { short: 'new sandbox in a running host' },
        ),
      ];
    },
  },
  {
    key: 'warm',
    n: 2,
    async rows(ctx) {
      const cells = await warm(ctx, TRIVIAL);
      return [
        row(
          ctx,
          '2',
          "warm trivial run, fresh sandbox each (`runtime.run({ policy, script: 'return 1' })`)",
          cells,
          {
            short: 'warm trivial run',
            target: {
              text: '≤1.5× raw floor and ≤250 µs',
              met: (r) =>
                r.sesame?.median === undefined || ratioOf(r, 'raw') === undefined
                  ? undefined
                  : ratioOf(r, 'raw') <= 1.5 && r.sesame.median <= 0.25,
            },
          },
        ),
      ];
    },
  },
  {
    key: 'realistic',
    n: 3,
    async rows(ctx) {
      const full = await warm(ctx, REALISTIC, { caps: ['fs', 'tools'] }, { iterations: 1000, warmup: 100 });
      const fsOnly = REALISTIC.replace('await tools.lookup({ word: top[0][0] })', '{ n: top[0][0].length }');
      const reads = await warm(ctx, fsOnly, { caps: ['fs'] }, { iterations: 1000, warmup: 100 });
      return [
        row(ctx, '3', 'realistic tool script: two fs reads, a host tool call, JSON result', full, {
          short: 'realistic tool script',
          target: {
            text: '≤0.5 ms and ≥2× faster than isolated-vm and quickjs-emscripten',
            met: (r) => {
              const s = r.sesame?.median;
              const i = r.peers.ivm?.median;
              const q = r.peers.qjs?.median;
              if (s === undefined || i === undefined || q === undefined) return undefined;
              return s <= 0.5 && 2 * s <= i && 2 * s <= q;
            },
          },
        }),
        row(ctx, '3b', 'realistic tool script without the host tool (two fs reads, JSON result)', reads, {
          short: 'realistic script without the host tool',
        }),
      ];
    },
  },
  {
    key: 'calls',
    n: 4,
    async rows(ctx) {
      const { stats, note } = await perCall(
        ctx,
        'clock.now()',
        { caps: ['clock'] },
        ctx.quick ? 200 : 100_000,
      );
      return [
        row(
          ctx,
          '4',
          'cheap capability call, per call (loop of 100,000 `clock.now()`, audit on; peers: a host function)',
          stats,
          {
            short: 'cheap capability call',
            note,
            target: {
              text: '≤2 µs',
              met: (r) => (r.sesame?.median === undefined ? undefined : r.sesame.median <= 0.002),
            },
          },
        ),
      ];
    },
  },
  {
    key: 'tools',
    n: 5,
    async rows(ctx) {
      const { stats, note } = await perCall(
        ctx,
        "tools.lookup({ word: 'abc' })",
        { caps: ['tools'] },
        ctx.quick ? 100 : 5000,
      );
      return [
        row(
          ctx,
          '5',
          'host tool call across the sandbox boundary, per call (`tools.lookup({ word })`)',
          stats,
          {
            short: 'host tool call',
            note,
            target: {
              text: '≤60 µs',
              met: (r) => (r.sesame?.median === undefined ? undefined : r.sesame.median <= 0.06),
            },
          },
        ),
      ];
    },
  },
  {
    key: 'cpu',
    n: 6,
    async rows(ctx) {
      const cells = live(ctx).map((e) => ({ key: e.id, fn: () => must(e.run(CPU)) }));
      // Plain Node: the same body as an async function in this process, compiled afresh each run.
      cells.push({ key: 'node', fn: () => new AsyncFunction(CPU)() });
      const stats = await sampleInterleaved(cells, {
        warmup: ctx.quick ? 1 : 3,
        iterations: ctx.quick ? 2 : 30,
        rounds: ctx.quick ? 1 : 5,
        budgetMs: ctx.quick ? 500 : 5000,
      });
      const node = stats.get('node');
      return [
        row(ctx, '6', 'CPU-bound guest work (sieve to 400,000 + 60 JSON round trips of 200 records)', stats, {
          short: 'CPU-bound work',
          target: {
            text: `≤1.2× plain Node (${node?.median === undefined ? node?.text : `${node.median.toFixed(1)} ms`})`,
            met: (r) =>
              r.sesame?.median === undefined || node?.median === undefined
                ? undefined
                : r.sesame.median <= 1.2 * node.median,
          },
        }),
      ];
    },
  },
  {
    key: 'throughput',
    n: 7,
    async rows(ctx) {
      const rows = [];
      const windowMs = ctx.quick ? 60 : 400;
      const windows = ctx.quick ? 1 : 3;
      for (const [id, inFlight] of [
        ['7a', 1],
        ['7b', 2],
        ['7c', 8],
        ['7d', 64],
      ]) {
        const rates = new Map();
        const latencies = new Map();
        const errors = new Map();
        const engines = live(ctx);
        for (let w = 0; w < windows; w++) {
          for (let i = 0; i < engines.length; i++) {
            const e = engines[(i + w) % engines.length];
            if (errors.has(e.id)) continue;
            try {
              // isolated-vm: one run at a time synchronously; more, asynchronously on an isolate per core.
              const run = inFlight > 1 && e.runConcurrent ? (b) => e.runConcurrent(b) : (b) => e.run(b);
              const { rate, latencies: l } = await throughputWindow(() => run(TRIVIAL), inFlight, windowMs);
              rates.set(e.id, [...(rates.get(e.id) ?? []), rate]);
              latencies.set(e.id, [...(latencies.get(e.id) ?? []), ...l]);
            } catch (error) {
              errors.set(e.id, error instanceof CellText ? error.message : `failed: ${error?.message}`);
            }
          }
        }
        const cells = new Map();
        for (const e of engines) {
          if (errors.has(e.id)) cells.set(e.id, { text: errors.get(e.id) });
          else
            cells.set(e.id, {
              median: summarize(rates.get(e.id)).median,
              p99: summarize(latencies.get(e.id)).p99,
            });
        }
        const target =
          inFlight >= 8
            ? {
                text: '≥8,000 runs/s',
                met: (r) => (r.sesame?.median === undefined ? undefined : r.sesame.median >= 8000),
              }
            : undefined;
        rows.push(
          row(ctx, id, `throughput, ${inFlight} in flight (runs/s; sesame p99 = run latency)`, cells, {
            short: `throughput, ${inFlight} in flight`,
            unit: 'rate',
            better: 'higher',
            target,
          }),
        );
      }
      return rows;
    },
  },
  {
    key: 'runaway',
    n: 8,
    async rows(ctx) {
      const overrun = new Map();
      const next = new Map();
      const engines = live(ctx);
      const reps = ctx.quick ? 1 : 8;
      for (let r = 0; r < reps; r++) {
        for (let i = 0; i < engines.length; i++) {
          const e = engines[(i + r) % engines.length];
          if (typeof overrun.get(e.id) === 'string') continue;
          try {
            const t0 = performance.now();
            const res = await e.run(RUNAWAY, { timeoutMs: RUNAWAY_TIMEOUT_MS });
            const t1 = performance.now();
            if (res.ok) throw new CellText('failed: the runaway run ended ok');
            await must(e.run(TRIVIAL));
            const t2 = performance.now();
            overrun.set(e.id, [...(overrun.get(e.id) ?? []), t1 - t0 - RUNAWAY_TIMEOUT_MS]);
            next.set(e.id, [...(next.get(e.id) ?? []), t2 - t1]);
            // Sandbox processes are killed and replaced: let the pool refill before the next one.
            if (e.id === 'sesame' || e.id === 'raw') await sleep(ctx.quick ? 300 : 600);
          } catch (error) {
            const text = error instanceof CellText ? error.message : `failed: ${error?.message}`;
            overrun.set(e.id, text);
            next.set(e.id, text);
          }
        }
      }
      const cellsOf = (m) =>
        new Map([...m].map(([k, v]) => [k, typeof v === 'string' ? { text: v } : summarize(v)]));
      return [
        row(
          ctx,
          '8a',
          `runaway \`while(true){}\`, timeoutMs ${RUNAWAY_TIMEOUT_MS}: deadline to the run's end`,
          cellsOf(overrun),
          {
            short: 'runaway: deadline to end',
            target: {
              text: '≤50 ms',
              met: (r) => (r.sesame?.median === undefined ? undefined : r.sesame.median <= 50),
            },
          },
        ),
        row(ctx, '8b', 'runaway: its end to the next successful run', cellsOf(next), {
          short: 'runaway: end to next run',
          target: {
            text: '≤5 ms',
            met: (r) => (r.sesame?.median === undefined ? undefined : r.sesame.median <= 5),
          },
        }),
      ];
    },
  },
  {
    key: 'growth',
    n: 9,
    async rows(ctx) {
      const rows = [];
      const counts = { iterations: 300, warmup: 20, budgetMs: 3000 };
      for (const [id, methods] of [
        ['9a', 10],
        ['9b', 100],
        ['9c', 1000],
      ]) {
        const cells = await warm(ctx, TRIVIAL, { methods }, counts);
        rows.push(
          row(
            ctx,
            id,
            `policy of ${methods.toLocaleString('en-US')} capability methods (sesame: ${methods / 5} kv capabilities; peers: host functions)`,
            cells,
            { short: `policy of ${methods.toLocaleString('en-US')} methods` },
          ),
        );
      }
      for (const [id, bytes, label] of [
        ['9d', 1024, '1 KB'],
        ['9e', 100 * 1024, '100 KB'],
      ]) {
        const cells = await warm(ctx, scriptOfSize(bytes), {}, counts);
        rows.push(row(ctx, id, `script of ${label}, warm run`, cells, { short: `script of ${label}` }));
      }
      rows.push(await memoryRow(ctx));
      return rows;
    },
  },
];

/** 9f: each engine in a fresh process (bench/memory.js), `reps` times, engines taking turns. */
async function memoryRow(ctx) {
  const inFlight = ctx.quick ? 8 : 64;
  const engines = [ctx.sesame, ...ctx.peers].filter((e) => !e.unavailable);
  const samples = new Map();
  const idle = new Map();
  const reps = ctx.quick ? 1 : 3;
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < engines.length; i++) {
      const e = engines[(i + r) % engines.length];
      if (typeof samples.get(e.id) === 'string') continue;
      const out = await runNode(['--expose-gc', 'bench/memory.js', e.id, String(inFlight)]);
      let res;
      try {
        res = JSON.parse(out.trim().split('\n').pop());
      } catch {
        res = { text: `failed: ${out.slice(0, 80)}` };
      }
      if (res.text) samples.set(e.id, res.text);
      else {
        samples.set(e.id, [...(samples.get(e.id) ?? []), res.perRun]);
        idle.set(e.id, [...(idle.get(e.id) ?? []), res.before]);
      }
    }
  }
  const cells = new Map(
    [...samples].map(([k, v]) => [k, typeof v === 'string' ? { text: v } : summarize(v)]),
  );
  const idleNote = [...idle]
    .map(([k, v]) => `${k} ${(summarize(v).median / 2 ** 20).toFixed(0)} MB`)
    .join(', ');
  return row(
    ctx,
    '9f',
    `memory per concurrent run (host + sandbox RSS growth with ${inFlight} in flight, ÷ ${inFlight})`,
    cells,
    {
      short: 'memory per concurrent run',
      unit: 'bytes',
      note: `resident memory before the runs (host + sandboxes, fresh process each): ${idleNote}`,
      target: {
        text: '≤100 KB',
        met: (r) => (r.sesame?.median === undefined ? undefined : r.sesame.median <= 100 * 1024),
      },
    },
  );
}

function runNode(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', () => resolve(out));
  });
}
