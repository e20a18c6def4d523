// What the host offers every engine, so that each does the same work: a data folder the realistic
// script reads two files from, a host tool (`lookup`), a cheap call (`now`) and a gate that holds
// runs in flight until the bench lets them go (memory per concurrent run).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function createHost() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-bench-'));
  const dataDir = path.join(dir, 'root');
  fs.mkdirSync(path.join(dataDir, 'data'), { recursive: true });
  fs.writeFileSync(
    path.join(dataDir, 'data', 'config.json'),
    JSON.stringify({
      name: 'weekly report',
      limit: 20,
      owners: ['ada', 'grace'],
      labels: { bug: 3, docs: 1 },
    }),
  );
  const words = ['plan', 'ship', 'review', 'test', 'measure', 'profile', 'write', 'read'];
  fs.writeFileSync(
    path.join(dataDir, 'data', 'notes.txt'),
    Array.from({ length: 300 }, (_, i) => words[(i * 7) % words.length]).join(' '),
  );

  // The gate is shut until openGate(), and stays open until shutGate(): a run that reaches it late
  // (queued behind others) still passes.
  let release = () => {};
  let gate = Promise.resolve();
  let arrivals = 0;
  return {
    dir,
    dataDir,
    /** A file under the data folder, the way a careful host function reads one (no way out). */
    readFileSync(p) {
      const full = path.resolve(dataDir, String(p));
      if (!full.startsWith(`${dataDir}${path.sep}`)) throw new Error('outside the root');
      return fs.readFileSync(full, 'utf8');
    },
    /** The host tool of scenarios 3 and 5. */
    lookup(args) {
      return { n: String(args?.word ?? '').length };
    },
    /** A promise that resolves when the gate is open. */
    gate() {
      arrivals++;
      return gate;
    },
    /** Runs that reached the gate since it was shut. */
    get arrivals() {
      return arrivals;
    },
    shutGate() {
      arrivals = 0;
      gate = new Promise((resolve) => (release = resolve));
    },
    openGate() {
      release();
    },
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
