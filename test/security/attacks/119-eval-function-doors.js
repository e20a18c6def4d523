// attack: code-from-string doors not in the shared corpus: optional-call indirect eval `eval?.()`, globalThis.eval, Reflect.apply(eval), Function.call/apply/bind, Reflect.construct(Function) with another newTarget, the arrow/class/bound constructors, Function parameter-list injection (`/*` ... `*/){`), default-parameter bodies, direct eval inside Function, `return this` in sloppy and strict forms, and a child Compartment's Function/eval
// source: Endo SES test/confinement.test.js (eval and Function confinement); classic Function-constructor parameter injection (Function('a){ ... }//', '')); vm2 test/vm.js 'various attacks'
// needs: none
// category: escape
// expect: blocked - every door evaluates inside a compartment whose globals hold no process
const ID = '119-eval-function-doors';
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
const ev = globalThis['ev' + 'al'];
const doors = [
  ['eval?.()', () => ev?.('process')],
  ['globalThis.eval', () => globalThis['ev' + 'al']('process')],
  ['Reflect.apply(eval)', () => Reflect.apply(ev, undefined, ['process'])],
  ['Function.call', () => Function.call(null, 'return process')()],
  ['Function.apply', () => Function.apply(null, ['return process'])()],
  ['Function.bind', () => Function.bind(null, 'return process')()()],
  ['new bound Function', () => new (Function.bind(null, 'return process'))()()],
  ['Reflect.construct newTarget', () => Reflect.construct(Function, ['return process'], class {})()],
  ['arrow constructor', () => (() => {}).constructor('return process')()],
  ['class constructor', () => (class {}).constructor('return process')()],
  ['bound function constructor', () => function () {}.bind().constructor('return process')()],
  ['parameter injection', () => Function('/*', '*/){ return process })(function(')()],
  ['default parameter body', () => Function('a = process', 'return a')()],
  ['direct eval inside Function', () => Function('return ev' + 'al("process")')()],
  ['sloppy return this', () => Function('return this')().process],
  ['strict return this', () => Function('"use strict"; return this')()?.process],
  ['eval sloppy this', () => ev('(function () { return this; })()')?.process],
  ['globalThis via Function', () => Function('return globalThis')().process],
  ['constructor of eval result', () => ev('(function(){})').constructor('return process')()],
];
if (typeof Compartment === 'function') {
  doors.push(['child compartment Function', () => new Compartment().globalThis.Function('return process')()]);
  doors.push(['child compartment evaluate this', () => new Compartment().evaluate('this')?.process]);
  doors.push(['child compartment climb', () => new Compartment().evaluate('globalThis.constructor.constructor("return process")()')]);
}
for (const [label, thunk] of doors) { const r = await attempt(label, () => pwn(thunk())); if (r) return r; }
return { blocked: tried, untold };
