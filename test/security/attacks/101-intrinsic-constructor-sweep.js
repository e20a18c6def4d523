// attack: climb .constructor chains from every kind of value the language makes without a capability: async/generator/async-generator functions and their objects, classes, bound functions, getters, iterators (array, map, set, string, regexp-string, iterator helpers), template objects, arguments, revocable proxies, boxed primitives, typed arrays, errors, %ThrowTypeError%, and every own property of every global
// source: classic node:vm escape generalised (Node docs: "node:vm is not a security mechanism"); vm2 test/vm.js 'various attacks'; tc39/proposal-shadowrealm#277 (sweep the globals for a foreign Function); SES docs 'intrinsics are shared and frozen'
// needs: none
// category: escape
// expect: blocked - every chain ends at a tamed, shared constructor; process is never reachable
const ID = '101-intrinsic-constructor-sweep';
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
const strictArgs = (function () { 'use strict'; return arguments; })(1);
const values = [
  ['async function', async function () {}],
  ['async arrow', async () => {}],
  ['generator function', function* () {}],
  ['async generator function', async function* () {}],
  ['generator object', (function* () {})()],
  ['async generator object', (async function* () {})()],
  ['class', class {}],
  ['derived class', class extends Array {}],
  ['bound function', function () {}.bind(null)],
  ['method shorthand', { m() {} }.m],
  ['getter function', Object.getOwnPropertyDescriptor({ get g() { return 1; } }, 'g').get],
  ['regex literal', /x/],
  ['regexp string iterator', 'aa'.matchAll(/a/g)],
  ['array iterator', [].values()],
  ['map iterator', new Map().entries()],
  ['set iterator', new Set().values()],
  ['string iterator', ''[Symbol.iterator]()],
  ['template strings array', ((s) => s)`x`],
  ['arguments object', strictArgs],
  ['%ThrowTypeError%', Object.getOwnPropertyDescriptor(strictArgs, 'callee').get],
  ['promise', Promise.resolve()],
  ['revocable proxy record', Proxy.revocable({}, {})],
  ['revoke function', Proxy.revocable({}, {}).revoke],
  ['boxed symbol', Object(Symbol('s'))],
  ['boxed bigint', Object(1n)],
  ['typed array', new Int32Array(1)],
  ['float typed array (if present)', typeof Float64Array === 'function' ? new Float64Array(1) : null],
  ['array buffer', new ArrayBuffer(1)],
  ['dataview', new DataView(new ArrayBuffer(1))],
  ['weakmap', new WeakMap()],
  ['aggregate error', new AggregateError([new Error('inner')])],
  ['__proto__ getter', Object.getOwnPropertyDescriptor(Object.prototype, '__proto__').get],
  ['Symbol.prototype.description getter', Object.getOwnPropertyDescriptor(Symbol.prototype, 'description').get],
  ['input', input],
  ['globalThis', globalThis],
];
try { values.push(['iterator helper', [1].values().map((x) => x)]); } catch (e) { note('iterator helpers: ' + msg(e)); }
try { values.push(['Promise.withResolvers record', Promise.withResolvers()]); } catch (e) { note('withResolvers: ' + msg(e)); }
for (const g of ['TextEncoder', 'TextDecoder', 'Iterator', 'HandledPromise', 'harden', 'lockdown', 'Compartment']) {
  if (typeof globalThis[g] === 'function') values.push([g, globalThis[g]]);
}
// every own property (data or accessor) of every global, one level down
for (const k of Reflect.ownKeys(globalThis)) {
  let v;
  try { v = globalThis[k]; } catch (e) { continue; }
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) continue;
  let keys = [];
  try { keys = Reflect.ownKeys(v); } catch (e) {}
  for (const p of keys) {
    let d;
    try { d = Object.getOwnPropertyDescriptor(v, p); } catch (e) { continue; }
    if (!d) continue;
    for (const x of [d.value, d.get, d.set]) if (x !== null && (typeof x === 'object' || typeof x === 'function')) values.push([String(k) + '.' + String(p), x]);
  }
}
const hit = await climbAll(values);
if (hit) return hit;
return { blocked: tried, untold, values: values.length, functionsTried: met.size };
