// attack: make every fs method fail in every way (schema, NUL, absolute, denied glob, ENOENT, ENOTDIR, EISDIR, EEXIST, over-long path) and work each caught error through the error APIs: own descriptors, Error.prototype.toString.call, Error.captureStackTrace on it, wrapping it as a cause, inside AggregateError and Promise.any's engine-made AggregateError, then climb everything
// source: vm2 test/vm.js 'various attacks #1 #2' and ATTACKS.md Category 1 (errors from the host); CVE-2023-29017 (vm2 exception sanitisation bypass); CVE-2023-30547 (handleException)
// needs: fs
// category: escape
// expect: blocked - capability errors are fresh, frozen guest-realm errors (shared intrinsics); no error API yields a host function
const ID = '104-capability-error-api-chains';
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
const errs = [];
const grab = async (label, thunk) => { try { await thunk(); note(label + ': did not throw'); } catch (e) { errs.push([label, e]); } };
await grab('readFile(array)', () => fs.readFile(['data.txt']));
await grab('readFile(NUL)', () => fs.readFile('data\0.txt', 'utf8'));
await grab('readFile(absolute)', () => fs.readFile('/etc/hostname', 'utf8'));
await grab('readFile(dir)', () => fs.readFile('sub', 'utf8'));
await grab('readFile(bad encoding)', () => fs.readFile('data.txt', 'latin1'));
await grab('readdir(file)', () => fs.readdir('data.txt'));
await grab('readdir(missing)', () => fs.readdir('missing'));
await grab('stat(missing)', () => fs.stat('nope/deeper'));
await grab('writeFile(denied)', () => fs.writeFile('data.txt', 'x'));
await grab('writeFile(dir)', () => fs.writeFile('out', 'x'));
await grab('mkdir(existing)', () => fs.mkdir('out'));
await grab('rm(missing)', () => fs.rm('out/missing'));
await grab('rm(dir, not recursive)', () => fs.rm('sub'));
await grab('path too long', () => fs.readFile('a'.repeat(5000)));
await grab('unknown option', () => fs.mkdir('out/x', { recursive: true, mode: 0o777 }));
const values = [];
for (const [label, e] of errs) {
  values.push([label, e]);
  try { for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(e))) { for (const x of [d.value, d.get, d.set]) if (x && (typeof x === 'object' || typeof x === 'function')) values.push([label + ' own ' + k, x]); } } catch (x) { note(label + ' descriptors: ' + msg(x)); }
  try { Error.captureStackTrace(e); note(label + ': captureStackTrace on it worked'); } catch (x) { values.push([label + ' captureStackTrace error', x]); }
  try { e.message = 'changed'; note(label + ': mutable!'); } catch (x) { values.push([label + ' assign error', x]); }
  try { values.push([label + ' as cause', new Error('wrap', { cause: e }).cause]); } catch (x) {}
  try { note(label + ' toString: ' + Error.prototype.toString.call(e).slice(0, 80)); } catch (x) { note(label + ' toString: ' + msg(x)); }
}
try { await Promise.any(errs.map(([, e]) => Promise.reject(e))); } catch (agg) { values.push(['Promise.any AggregateError', agg]); try { values.push(['agg.errors', agg.errors]); } catch (x) {} }
try { await Promise.any([fs.readFile('missing-1'), fs.stat('missing-2')]); } catch (agg) { values.push(['Promise.any over capability rejections', agg]); }
values.push(['AggregateError of capability errors', new AggregateError(errs.map(([, e]) => e), 'all')]);
const hit = await climbAll(values);
if (hit) return hit;
return { blocked: tried, untold, errors: errs.map(([l, e]) => l + ' -> ' + msg(e).slice(0, 60)) };
