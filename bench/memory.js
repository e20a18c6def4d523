#!/usr/bin/env node
import { PEERS, SESAME, start } from './lib/engines.js';
// Memory per concurrent run, for scenario 9, in a fresh process per measurement so that no engine
// inherits another's heap: `node --expose-gc bench/memory.js <engine> <inFlight>`. The engine is
// started and warmed, then `inFlight` runs are started that each wait at a host gate; with as
// many in flight as the engine admits, the resident memory of this process and its children
// (sesame's sandboxes) is sampled, the gate opened, and the growth per run printed as JSON.
import { createHost } from './lib/host.js';
import { sleep, treeRss } from './lib/measure.js';

const [id, inFlightArg] = process.argv.slice(2);
const inFlight = Number(inFlightArg ?? 64);
const spec = [SESAME, ...PEERS].find((p) => p.id === id);
if (!spec) {
  console.error('usage: node --expose-gc bench/memory.js <engine id> <in flight>');
  process.exit(2);
}
const host = createHost();
const engine = await start(spec, host);
if (engine.unavailable) {
  process.stdout.write(`${JSON.stringify({ text: engine.unavailable })}\n`);
  process.exit(0);
}
const body = `await ${engine.gateCall ?? 'gate.wait()'};\nreturn 1;`;
const admitted = (n) => Math.min(n, engine.capacity);

async function gated(n) {
  host.shutGate();
  const runs = Array.from({ length: n }, () => engine.run(body, { caps: ['gate'] }));
  const deadline = performance.now() + 20_000;
  while (host.arrivals < admitted(n) && performance.now() < deadline) await sleep(5);
  await sleep(50);
  let peak = 0;
  for (let i = 0; i < 5; i++) {
    peak = Math.max(peak, treeRss());
    await sleep(10);
  }
  const arrived = host.arrivals;
  host.openGate();
  const results = await Promise.all(runs);
  const failed = results.find((r) => !r.ok);
  if (failed) throw new Error(`a gated run failed: ${failed.error}`);
  return { peak, arrived };
}

try {
  // Warm-up: the gate's plugin loaded, each sandbox used.
  for (let i = 0; i < 3; i++) await gated(admitted(2));
  for (let i = 0; i < 20; i++) await engine.run('return 1;');
  globalThis.gc?.();
  await sleep(100);
  const before = treeRss();
  const { peak, arrived } = await gated(inFlight);
  process.stdout.write(`${JSON.stringify({ perRun: (peak - before) / inFlight, before, peak, arrived })}\n`);
} catch (error) {
  process.stdout.write(
    `${JSON.stringify({ text: `failed: ${String(error?.message ?? error).slice(0, 80)}` })}\n`,
  );
} finally {
  await engine.close();
  host.cleanup();
  process.exit(0);
}
