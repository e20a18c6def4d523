// The raw floor: a pool of pre-started, locked-down SES child processes, each evaluating one
// script at a time in a fresh Compartment (raw-ses-child.js). The same shape as sesame's pool
// (spawned `node`, empty environment, stdin in, fd 3 out, SIGKILL and a replacement on timeout)
// without policy, membrane or audit: what sesame's own layers cost above SES.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const childPath = fileURLToPath(new URL('./raw-ses-child.js', import.meta.url));
const require = createRequire(import.meta.url);

class Child {
  constructor(dataDir, host) {
    this.host = host;
    this.proc = spawn(process.execPath, ['--max-old-space-size=96', childPath, dataDir], {
      env: {},
      stdio: ['pipe', 'ignore', 'ignore', 'pipe'],
    });
    this.proc.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => this.proc.on('exit', resolve));
    this.current = undefined;
    this.ready = new Promise((resolve, reject) => {
      this.onReady = resolve;
      this.proc.on('exit', () => reject(new Error('the raw SES child exited')));
    });
    this.ready.catch(() => {});
    let buffered = '';
    this.proc.stdio[3].setEncoding('utf8');
    this.proc.stdio[3].on('data', (chunk) => {
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
        if (line) this.onMessage(JSON.parse(line));
      }
    });
    this.proc.on('exit', () => {
      this.dead = true;
      this.current?.resolve({ ok: false, error: 'the sandbox exited' });
    });
  }

  onMessage(msg) {
    if (msg.type === 'ready') this.onReady(msg.lockdownMs);
    else if (msg.type === 'done') {
      const run = this.current;
      if (!run || run.id !== msg.id) return;
      this.current = undefined;
      run.resolve(msg.ok ? { ok: true, value: msg.value } : { ok: false, error: msg.error });
    } else if (msg.type === 'call') {
      const reply = (value) => this.write({ type: 'reply', callId: msg.callId, value });
      if (msg.name === 'lookup') reply(this.host.lookup(msg.args));
      else if (msg.name === 'gate') void this.host.gate().then(() => reply(null));
    }
  }

  write(message) {
    this.proc.stdin.write(`${JSON.stringify(message)}\n`);
  }

  kill() {
    this.proc.kill('SIGKILL');
    return this.exited;
  }
}

let nextId = 0;

/** A raw SES pool of `size` children (default: the number of cores). */
export async function createRawSes({ host, size = os.availableParallelism() }) {
  const idle = [];
  const waiting = [];
  let closed = false;
  const all = new Set();
  const spawnChild = () => {
    const child = new Child(host.dataDir, host);
    all.add(child);
    void child.exited.then(() => all.delete(child));
    return child;
  };
  const park = (child) => {
    if (closed || child.dead) return;
    const next = waiting.shift();
    if (next) next(child);
    else idle.push(child);
  };
  const acquire = () => {
    const child = idle.shift();
    return child ? Promise.resolve(child) : new Promise((resolve) => waiting.push(resolve));
  };
  const children = Array.from({ length: size }, spawnChild);
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) park(c);

  return {
    id: 'raw',
    label: 'raw SES floor',
    version: `ses ${require('ses/package.json').version}`,
    capacity: size,
    async run(body, opts = {}) {
      const child = await acquire();
      const id = ++nextId;
      const result = await new Promise((resolve) => {
        child.current = { id, resolve };
        const timer = setTimeout(() => {
          // As sesame does: a run past its time has its sandbox killed and replaced.
          child.current = undefined;
          child.dead = true;
          resolve({ ok: false, error: 'timeout' });
          void child.kill();
          const fresh = spawnChild();
          fresh.ready.then(
            () => park(fresh),
            () => {},
          );
        }, opts.timeoutMs ?? 60_000);
        child.current.resolve = (r) => {
          clearTimeout(timer);
          resolve(r);
        };
        child.write({ type: 'run', id, source: body, caps: opts.caps ?? [], methods: opts.methods ?? 0 });
      });
      if (!child.dead && child.current === undefined) park(child);
      return result;
    },
    async close() {
      closed = true;
      await Promise.all([...all].map((c) => c.kill()));
    },
  };
}
