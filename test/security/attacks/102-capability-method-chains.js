// attack: climb from every value the membrane and the plugin globals hand over: the fs/clock/random capability objects and each method, bound and reflected forms of them, console and its methods, the clock plugin's Date (frozen-time variant) with now/parse/UTC, the random plugin's Math and crypto, and the `caller`/`arguments` accessors of each
// source: vm2 issue #178 and GHSA-2cm2-m3w5-gp2f (a host function handed to the guest leaks the host Function); vm2 ATTACKS.md Category 1 'host objects'; SES docs on the start compartment's powerful Date/Math
// needs: fs,clock,random
// category: escape
// expect: blocked - every function the guest receives shares the tamed Function.prototype; Function.prototype.constructor throws
const ID = '102-capability-method-chains';
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
const g = (name) => (typeof globalThis[name] === 'undefined' ? undefined : globalThis[name]);
const roots = [['fs', g('fs')], ['clock', g('clock')], ['random', g('random')], ['console', console], ['Date', Date], ['Math', Math], ['crypto', g('crypto')]];
const values = [];
for (const [name, obj] of roots) {
  if (obj === undefined || obj === null) { note(name + ': not granted here'); continue; }
  values.push([name, obj]);
  for (const k of Reflect.ownKeys(obj)) {
    let d;
    try { d = Object.getOwnPropertyDescriptor(obj, k); } catch (e) { continue; }
    const f = d && (d.value ?? d.get);
    if (typeof f !== 'function') continue;
    const label = name + '.' + String(k);
    values.push([label, f]);
    try { values.push([label + '.bind()', f.bind(obj)]); } catch (e) { note(label + '.bind: ' + msg(e)); }
    try { values.push([label + ' call.bind', Function.prototype.call.bind(f)]); } catch (e) {}
    for (const acc of ['caller', 'arguments']) {
      try { const x = f[acc]; if (x) { values.push([label + '.' + acc, x]); note(label + '.' + acc + ' is readable!'); } } catch (e) { /* strict functions: poisoned */ }
    }
    try { const p = f.prototype; if (p) values.push([label + '.prototype', p]); } catch (e) {}
  }
}
try { values.push(['new Date()', new Date()]); values.push(['Date() string', Object(Date())]); } catch (e) { note('Date: ' + msg(e)); }
try { values.push(['Date.prototype', Date.prototype]); } catch (e) {}
// does `new` on a capability method give anything?
if (g('fs')) {
  try { values.push(['new fs.readFile', new fs.readFile('data.txt')]); } catch (e) { note('new fs.readFile: ' + msg(e)); }
  try { values.push(['readFile.call(globalThis)', fs.readFile.call(globalThis, 'data.txt')]); } catch (e) { note('readFile.call: ' + msg(e)); }
  try { values.push(['Reflect.apply(readFile)', Reflect.apply(fs.readFile, undefined, ['data.txt'])]); } catch (e) { note('Reflect.apply: ' + msg(e)); }
}
const hit = await climbAll(values);
if (hit) return hit;
return { blocked: tried, untold, values: values.length };
