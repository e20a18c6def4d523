// attack: sloppy-mode and scope tricks: `with` through every evaluator (and a child compartment in sloppyGlobalsMode), arguments.callee/caller, fn.caller/fn.arguments, `this` of plain calls, redefining or deleting the compartment's globals (input, console), replacing globalThis's prototype with a Proxy so free-variable lookups made by the scope machinery hit guest traps, Symbol.unscopables on globalThis, and globalThis self-references
// source: Endo SES docs (strict-mode evaluation, scope proxy and Symbol.unscopables); realms-shim security review (scope proxy leaks); ECMA-262 Annex C (strict mode restrictions)
// needs: none
// category: escape
// expect: blocked - compartment code is strict (with is a SyntaxError, callee/caller throw), scope traps receive only names, and no lookup reaches a host object
const ID = '121-with-sloppy-arguments-globalthis';
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
const ev = globalThis['ev' + 'al'];
for (const [label, thunk] of [
  ['with via Function', () => Function('o', 'with (o) { return process; }')({})],
  ['with via eval', () => ev('with ({}) { process }')],
  ['with via child compartment sloppy', () => new Compartment().evaluate('with ({}) { process }', { sloppyGlobalsMode: true })],
  ['arguments.callee', () => (function () { return arguments.callee; })()],
  ['fn.caller', () => (function f() { return f.caller; })()],
  ['fn.arguments', () => (function f() { return f.arguments; })()],
  ['Function-made sloppy callee', () => Function('return arguments.callee.caller')()],
  ['plain call this', () => (function () { return this; })()],
]) {
  const r = await attempt(label, () => { const v = thunk(); values.push([label, v]); if (v && v.getBuiltinModule) return pwn(v); return undefined; });
  if (r) return r;
}
for (const [label, thunk] of [
  ['delete input', () => delete globalThis.input],
  ['redefine console', () => Object.defineProperty(globalThis, 'console', { value: {} })],
  ['assign process', () => { globalThis.process = { fake: true }; return typeof process; }],
  ['globalThis.globalThis = {}', () => { globalThis.globalThis = {}; return typeof globalThis; }],
]) { try { note(label + ': ' + String(thunk())); } catch (e) { note(label + ': ' + msg(e)); } }
let looked = [];
try {
  const before = Object.getPrototypeOf(globalThis);
  Object.setPrototypeOf(globalThis, new Proxy(before || {}, { has(t, k) { looked.push(String(k)); values.push(['scope has args', arguments]); return Reflect.has(t, k); }, get(t, k, r) { looked.push('get ' + String(k)); values.push(['scope get receiver', r]); return Reflect.get(t, k, r); } }));
  note('globalThis prototype replaced');
  try { Function('return someUndeclaredName')(); } catch (e) { note('free variable: ' + msg(e)); }
  try { Function('return process')(); } catch (e) { note('process lookup: ' + msg(e)); }
} catch (e) { note('setPrototypeOf(globalThis): ' + msg(e)); }
try { values.push(['Symbol.unscopables on globalThis', globalThis[Symbol.unscopables]]); } catch (e) {}
try { Object.defineProperty(globalThis, Symbol.unscopables, { value: { input: true } }); note('unscopables redefined'); } catch (e) { note('unscopables: ' + msg(e)); }
values.push(['global descriptors', Object.getOwnPropertyDescriptors(globalThis)]);
const hit = await climbAll(values);
if (hit) return hit;
return { blocked: tried, untold, scopeLookups: looked.slice(0, 20) };
