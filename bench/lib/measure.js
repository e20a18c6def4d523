// Sampling: medians and p99s, engines measured interleaved (round by round, the order rotated) so
// that none of them gets a quieter machine than the others, each after a warm-up.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function summarize(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), p99: at(0.99), n: s.length };
}

/** A failure or a skip, shown in the cell instead of a number. */
export class CellText extends Error {}

/** Run `fn` and fail loudly (as cell text) unless the engine says ok. */
export async function must(promise) {
  const res = await promise;
  if (res?.skip) throw new CellText(res.skip);
  if (res && res.ok === false) throw new CellText(`failed: ${String(res.error).slice(0, 80)}`);
  return res;
}

const describe = (error) =>
  error instanceof CellText ? error.message : `failed: ${error?.message ?? error}`;

/**
 * Time `fn()` (milliseconds per call) for each cell: `warmup` calls, then `rounds` rounds of
 * `iterations / rounds` calls each, cells taking turns; a cell stops early once it has used
 * `budgetMs` (slow engines get fewer samples, never fewer than `min`). Returns key -> stats | { text }.
 */
export async function sampleInterleaved(
  cells,
  { warmup, iterations, rounds = 10, budgetMs = 4000, min = 3 },
) {
  const out = new Map();
  const state = new Map(cells.map((c) => [c.key, { xs: [], spent: 0, error: undefined }]));
  for (const c of cells) {
    const st = state.get(c.key);
    try {
      for (let i = 0; i < warmup && st.spent < budgetMs / 4; i++) {
        const t = performance.now();
        await c.fn();
        st.spent += performance.now() - t;
      }
    } catch (error) {
      st.error = describe(error);
    }
    st.spent = 0;
  }
  const perRound = Math.max(1, Math.ceil(iterations / rounds));
  for (let r = 0; r < rounds; r++) {
    const order = cells.map((_, i) => cells[(i + r) % cells.length]);
    for (const c of order) {
      const st = state.get(c.key);
      if (st.error) continue;
      try {
        for (let i = 0; i < perRound; i++) {
          if (st.spent > budgetMs && st.xs.length >= min) break;
          const t = performance.now();
          await c.fn();
          const ms = performance.now() - t;
          st.spent += ms;
          st.xs.push(ms);
        }
      } catch (error) {
        st.error = describe(error);
      }
    }
  }
  for (const [key, st] of state) out.set(key, st.error ? { text: st.error } : summarize(st.xs));
  return out;
}

/** Measure each cell with `measure()` (one number per call), `reps` times, cells taking turns. */
export async function repeatInterleaved(cells, reps) {
  const state = new Map(cells.map((c) => [c.key, { xs: [], error: undefined }]));
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < cells.length; i++) {
      const c = cells[(i + r) % cells.length];
      const st = state.get(c.key);
      if (st.error) continue;
      try {
        st.xs.push(await c.measure(r));
      } catch (error) {
        st.error = describe(error);
      }
    }
  }
  return new Map([...state].map(([key, st]) => [key, st.error ? { text: st.error } : summarize(st.xs)]));
}

/** `inFlight` loops calling `fn` until `windowMs` has passed: runs per second and latencies. */
export async function throughputWindow(fn, inFlight, windowMs) {
  const latencies = [];
  const end = performance.now() + windowMs;
  const started = performance.now();
  let failure;
  const loop = async () => {
    while (performance.now() < end && failure === undefined) {
      const t = performance.now();
      try {
        await must(fn());
      } catch (error) {
        failure = error;
      }
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, loop));
  if (failure) throw failure;
  return { rate: (latencies.length * 1000) / (performance.now() - started), latencies };
}

/** Wall time of a child process from spawn to exit; throws unless it exits 0. */
export function timeProcess(args, cwd) {
  const t = performance.now();
  const res = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  const ms = performance.now() - t;
  if (res.status !== 0)
    throw new CellText(`failed: exit ${res.status} ${(res.stderr || res.stdout).slice(0, 80)}`);
  return ms;
}

/** Resident set size of this process and of every process it started, in bytes. */
export function treeRss(pid = process.pid) {
  let total = 0;
  const visit = (p) => {
    try {
      const status = fs.readFileSync(`/proc/${p}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      return;
    }
    for (const child of childrenOf(p)) visit(child);
  };
  visit(pid);
  return total;
}

function childrenOf(pid) {
  const out = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
