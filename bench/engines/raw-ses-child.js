// The raw floor's sandbox process: SES lockdown() with sesame's own options, then one fresh
// Compartment per request. No policy, no membrane, no audit: what SES and the process pipe cost
// before any of sesame's layers. It speaks the same kind of pipe protocol sesame's sandbox does:
// requests as JSON lines on stdin, reports as JSON lines written to fd 3 with a synchronous
// write(2). Capabilities are plain hardened functions; `tools` and `gate` calls cross back to the
// host as a request on fd 3 and a reply on stdin.
import 'ses';
import { writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const started = performance.now();
lockdown({
  errorTaming: 'safe',
  stackFiltering: 'concise',
  overrideTaming: 'moderate',
  consoleTaming: 'unsafe',
  errorTrapping: 'none',
  unhandledRejectionTrapping: 'none',
  evalTaming: 'safe-eval',
});
const lockdownMs = performance.now() - started;
const dataRoot = process.argv[2] ?? '/nonexistent';

function send(message) {
  const bytes = Buffer.from(`${JSON.stringify(message)}\n`);
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(3, bytes, offset);
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

let nextCall = 0;
const pending = new Map();
/** A call to the host: the floor of a host tool crossing the sandbox boundary. */
const callHost = (runId, name, args) =>
  new Promise((resolve, reject) => {
    const callId = ++nextCall;
    pending.set(callId, { resolve, reject });
    send({ type: 'call', runId, callId, name, args });
  });

function endowments(req) {
  const g = {};
  const want = new Set(req.caps ?? []);
  if (want.has('fs')) {
    g.fs = {
      readFile: async (p) => {
        const full = path.resolve(dataRoot, String(p));
        if (!full.startsWith(`${dataRoot}${path.sep}`)) throw new Error('outside the root');
        return readFile(full, 'utf8');
      },
    };
  }
  if (want.has('tools')) g.tools = { lookup: (args) => callHost(req.id, 'lookup', args) };
  if (want.has('clock')) g.clock = { now: () => Date.now() };
  if (want.has('gate')) g.gate = { wait: () => callHost(req.id, 'gate', null) };
  for (let i = 0; i < (req.methods ?? 0); i++) g[`m${i}`] = () => i;
  for (const key of Object.keys(g)) g[key] = harden(g[key]);
  return g;
}

async function run(req) {
  try {
    const compartment = new Compartment({ __options__: true, globals: endowments(req) });
    const body = compartment.evaluate(`(async function () {\n${req.source}\n})`);
    const value = await body();
    send({ type: 'done', id: req.id, ok: true, value });
  } catch (error) {
    send({ type: 'done', id: req.id, ok: false, error: String(error?.message ?? error) });
  }
}

let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  let nl = buffered.indexOf('\n');
  while (nl >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    nl = buffered.indexOf('\n');
    if (!line) continue;
    const msg = JSON.parse(line);
    if (msg.type === 'run') void run(msg);
    else if (msg.type === 'reply') {
      const waiting = pending.get(msg.callId);
      pending.delete(msg.callId);
      waiting?.resolve(msg.value);
    }
  }
});
process.stdin.on('end', () => process.exit(0));
send({ type: 'ready', lockdownMs });
