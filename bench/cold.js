#!/usr/bin/env node
// Cold start of one peer, for scenario 1: a fresh Node process loads the peer, runs a trivial
// script in a fresh sandbox, prints the result and exits. `node bench/cold.js <raw|vm|ivm|qjs|sw>`.
// (sesame's own cold start is `sesame run examples/hello.js --policy policies/hello.yaml`.)
import { PEERS } from './lib/engines.js';

const spec = PEERS.find((p) => p.id === process.argv[2]);
if (!spec) {
  console.error(`usage: node bench/cold.js <${PEERS.map((p) => p.id).join('|')}>`);
  process.exit(2);
}
// No data folder or host tools are needed for a trivial script.
const host = { dataDir: '/nonexistent', lookup: () => ({ n: 0 }), gate: () => Promise.resolve() };
const engine = await spec.make(host);
const res = await engine.run('return 1;');
process.stdout.write(`${JSON.stringify(res)}\n`);
process.exit(res.ok ? 0 : 1);
