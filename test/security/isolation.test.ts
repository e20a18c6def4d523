// Properties the attack corpus cannot judge, because the harness runs each attack in a fresh CLI
// process: what one run leaves behind in a sandbox that the pool hands to the next run, and what a
// run does after it has reported. One sandbox (size 1), so consecutive runs share it, as a host's
// runs do.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/index.ts';
import { tempDir } from '../helpers/runtime.ts';

const rt = createRuntime({ size: 1 });
afterAll(() => rt.close());

function workspace(): { dir: string; policy: string } {
  const dir = tempDir('sesame-isolation-');
  fs.mkdirSync(path.join(dir, 'root', 'out'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'root', 'data.txt'), 'data\n');
  const policy = [
    'version: 1',
    'task: isolation',
    'limits: { timeoutMs: 5000, memoryMb: 64, maxCalls: 1000, maxOutputBytes: 65536 }',
    'capabilities:',
    `  fs: { plugin: fs, root: ${JSON.stringify(path.join(dir, 'root'))}, read: ["**"], write: ["out/**"] }`,
    '  random: { plugin: random }',
    '',
  ].join('\n');
  return { dir, policy };
}

// Everything a script can reach that is not its own: globals, their prototypes and statics, and
// the errors host code throws at it (Node's TextEncoder/TextDecoder, the plugins' globals, the
// membrane). The planting run writes a marker on each one that accepts it; the next run looks.
const REACHABLE = `
const grab = async (f) => { try { await f(); } catch (e) { return e; } return undefined; };
const found = [];
const add = (label, v) => { if (v !== null && (typeof v === 'object' || typeof v === 'function')) found.push([label, v]); };
for (const k of Reflect.ownKeys(globalThis)) {
  if (k === 'input') continue;
  let v; try { v = globalThis[k]; } catch (e) { continue; }
  add(String(k), v);
  try { add(String(k) + '.prototype', v && v.prototype); } catch (e) {}
}
const errors = [
  ['TextDecoder label', () => new TextDecoder('no-such-label')],
  ['TextEncoder.encodeInto', () => new TextEncoder().encodeInto('x', 5)],
  ['TextDecoder.decode this', () => TextDecoder.prototype.decode.call({})],
  ['TextDecoder options', () => new TextDecoder('utf-8', 5)],
  ['TextDecoder fatal', () => new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xff]))],
  ['getRandomValues quota', () => crypto.getRandomValues(new Uint8Array(70000))],
  ['getRandomValues type', () => crypto.getRandomValues(new DataView(new ArrayBuffer(1)))],
  ['fs denied', () => fs.readFile('../x')],
  ['fs schema', () => fs.readFile(1)],
];
for (const [label, f] of errors) {
  const e = await grab(f);
  for (let p = e, d = 0; p && d < 4; p = Object.getPrototypeOf(p), d++) {
    add(label + ' proto' + d, p);
    try { add(label + ' proto' + d + '.constructor', p.constructor); } catch (x) {}
  }
}
`;

describe('isolation between runs that share a sandbox', () => {
  it('leaves nothing a run planted for the next run', { timeout: 60_000 }, async () => {
    const { policy } = workspace();
    const plant = await rt.run({
      policy,
      script: `${REACHABLE}
        const planted = [];
        for (const [label, v] of found) {
          try { Object.defineProperty(v, 'sesameCarryOver', { value: label, configurable: true }); planted.push(label); } catch (e) {}
        }
        return planted;`,
    });
    expect(plant.ok, JSON.stringify(plant.error)).toBe(true);
    const look = await rt.run({
      policy,
      script: `${REACHABLE}
        return found.filter(([, v]) => { try { return Object.prototype.hasOwnProperty.call(v, 'sesameCarryOver'); } catch (e) { return false; } }).map(([label]) => label);`,
    });
    expect(look.ok, JSON.stringify(look.error)).toBe(true);
    // What run A could write on, and run B found again: shared mutable state between runs.
    expect({ planted: plant.result, carriedOver: look.result }).toMatchObject({ carriedOver: [] });
  });

  it('runs no capability call after the run has reported, or audits it', { timeout: 60_000 }, async () => {
    const { dir, policy } = workspace();
    const res = await rt.run({
      policy,
      script: `
        const chain = async (i) => { if (i >= 10) return; await fs.writeFile('out/late-' + i + '.txt', 'late'); await chain(i + 1); };
        fs.readFile('data.txt').then(() => chain(0), () => chain(0));
        return 'returned';`,
    });
    expect(res.ok).toBe(true);
    // Give anything still in flight in the sandbox time to land.
    await new Promise((r) => setTimeout(r, 500));
    await rt.run({ policy, script: 'return 1' });
    const written = fs.readdirSync(path.join(dir, 'root', 'out')).sort();
    const audited = res.audit
      .filter((r) => r.event === 'call' && r.method === 'writeFile' && r.outcome === 'ok')
      .map((r) => path.basename(String((r as { args: unknown[] }).args[0])))
      .sort();
    // Every file the run wrote has an outcome record in the run's own audit trail.
    expect(written).toEqual(audited);
  });
});

describe('membrane resource use', () => {
  it('reads and writes a few MiB of bytes within the default memory limit', { timeout: 60_000 }, async () => {
    const { dir, policy } = workspace();
    fs.writeFileSync(path.join(dir, 'root', 'blob.bin'), Buffer.alloc(2 << 20, 7));
    const res = await rt.run({
      policy,
      script: `
        const bytes = await fs.readFile('blob.bin');
        await fs.writeFile('out/copy.bin', bytes);
        return bytes.byteLength;`,
    });
    expect(res.error).toBeUndefined();
    expect(res.result).toBe(2 << 20);
  });
});
