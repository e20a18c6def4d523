// attack: climb from every capability RESULT and every promise a capability returns: readdir arrays, readFile bytes (and their ArrayBuffer, %TypedArray%), readFile strings, stat/lstat results and their isFile/isDirectory/isSymbolicLink functions (and what those return), exists booleans, the promises themselves; also check the results are frozen copies that cannot be mutated
// source: vm2 GHSA-2cm2-m3w5-gp2f and issue #178 (host Buffer/arrays returned to the guest); Endo docs on passable data; sesame DESIGN.md 'results copied to plain passable data'
// needs: fs
// category: escape
// expect: blocked - results are plain frozen data made of shared intrinsics; the stat functions are frozen closures over data
const ID = '103-capability-result-chains';
// canary payload: does something only when handed the real host `process` / node:fs
const pwnFs = (nfs) => {
  nfs.mkdirSync('/tmp/sesame-canary', { recursive: true });
  nfs.writeFileSync('/tmp/sesame-canary/' + ID, 'escaped by ' + ID);
  return nfs.readFileSync('/tmp/sesame-secret/secret.txt', 'utf8');
};
const pwn = (proc) => pwnFs(typeof proc.getBuiltinModule === 'function' ? proc.getBuiltinModule('fs') : proc.mainModule.require('fs'));
const msg = (e) => { try { return String((e && e.message) || e).slice(0, 120); } catch (_) { return 'unprintable'; } };
const tried = [];
let untold = 0;
const note = (s) => { if (tried.length < 90) tried.push(s); else untold++; };
const attempt = async (label, thunk) => {
  try { const s = await thunk(); if (s) return { escaped: label, secret: s }; note(label + ': nothing'); }
  catch (e) { note(label + ': ' + msg(e)); }
  return undefined;
};
// every road from a value to a Function constructor: its own constructor chain and its prototypes'
const met = new Set();
const climb = async (label, v) => {
  const roads = [];
  const add = (how, f) => { if (typeof f === 'function' && !met.has(f)) { met.add(f); roads.push([how, f]); } };
  let o = v;
  for (let i = 0; i < 5 && o !== null && (typeof o === 'object' || typeof o === 'function'); i++) {
    try { add('.constructor', o.constructor); } catch (e) {}
    try { add('.constructor.constructor', o.constructor.constructor); } catch (e) {}
    try { o = Object.getPrototypeOf(o); } catch (e) { break; }
  }
  for (const [how, F] of roads) {
    const r = await attempt(label + how, () => pwn(F('return process')()));
    if (r) return r;
  }
  return undefined;
};
const climbAll = async (pairs) => {
  // a snapshot: climbing may run the attack's own traps, which record more values
  for (const [label, v] of pairs.slice(0, 2500)) { const r = await climb(label, v); if (r) return r; }
  return undefined;
};
const values = [];
const take = async (label, thunk) => {
  try { const p = thunk(); values.push([label + ' promise', p]); const v = await p; values.push([label, v]); return v; }
  catch (e) { note(label + ': ' + msg(e)); values.push([label + ' error', e]); return undefined; }
};
const names = await take('readdir(.)', () => fs.readdir('.'));
const bytes = await take('readFile bytes', () => fs.readFile('data.txt'));
await take('readFile utf8', () => fs.readFile('data.txt', 'utf8'));
const st = await take('stat', () => fs.stat('data.txt'));
const lst = await take('lstat link', () => fs.lstat('link-secret.txt'));
await take('stat dir', () => fs.stat('sub'));
if (typeof fs.exists === 'function') await take('exists', () => fs.exists('data.txt'));
await take('writeFile result', () => fs.writeFile('out/r.txt', 'x'));
await take('mkdir result', () => fs.mkdir('out/r-dir', { recursive: true }));
if (bytes && typeof bytes === 'object') {
  values.push(['bytes.buffer', bytes.buffer]);
  values.push(['%TypedArray%', Object.getPrototypeOf(Object.getPrototypeOf(bytes))]);
  try { bytes[0] = 0x41; note('bytes writable: ' + bytes[0]); } catch (e) { note('bytes write: ' + msg(e)); }
}
for (const [label, s] of [['stat', st], ['lstat', lst]]) {
  if (!s) continue;
  for (const k of ['isFile', 'isDirectory', 'isSymbolicLink']) {
    const f = s[k];
    values.push([label + '.' + k, f]);
    try { values.push([label + '.' + k + '() boxed', Object(f.call(globalThis))]); } catch (e) { note(label + '.' + k + '(): ' + msg(e)); }
    try { const d = Object.getOwnPropertyDescriptors(f); for (const [dk, dv] of Object.entries(d)) if (typeof dv.value === 'object' || typeof dv.value === 'function') values.push([label + '.' + k + '.' + dk, dv.value]); } catch (e) {}
  }
  try { s.size = 1; note(label + ' result mutable!'); } catch (e) { note(label + ' frozen: ' + msg(e)); }
  try { Object.defineProperty(s, 'extra', { get() { return 1; } }); note(label + ' result extensible!'); } catch (e) { note(label + ' not extensible: ' + msg(e)); }
}
if (Array.isArray(names)) {
  try { names.push('x'); note('readdir array mutable!'); } catch (e) { note('readdir frozen: ' + msg(e)); }
  values.push(['names.constructor.from', names.constructor.from]);
}
const hit = await climbAll(values);
if (hit) return hit;
return { blocked: tried, untold, values: values.length };
