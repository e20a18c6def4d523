// attack: use the SES globals the compartment exposes: lockdown() again (with unsafe options), harden on shared things, new Compartment with every option (globals, resolveHook, importHook, importNowHook, moduleMapHook, modules, __options__, __noNamespaceBox__, legacy 3-argument form), importNow/import of node builtins, virtual module sources whose execute is called by SES, evaluate options (sloppyGlobalsMode, transforms, __evadeHtmlCommentTest__, __rejectSomeDirectEvalExpressions__); climb every argument SES passes to guest hooks
// source: Endo SES README (Compartment API, module hooks); SES error codes SES_ALREADY_LOCKED_DOWN / SES_IMPORT_REJECTED; Agoric/SES-shim security reviews of compartment options
// needs: none
// category: escape
// expect: blocked - lockdown refuses, hooks receive only guest values and specifiers, no compartment can load a builtin without a hook the guest writes
const ID = '120-compartment-lockdown-harden';
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
if (typeof Compartment !== 'function') note('Compartment: absent');
const values = [];
for (const [label, thunk] of [
  ['lockdown()', () => lockdown()],
  ['lockdown({ errorTaming: unsafe })', () => lockdown({ errorTaming: 'unsafe', evalTaming: 'unsafe-eval', consoleTaming: 'unsafe' })],
  ['harden(globalThis)', () => harden(globalThis)],
  ['harden(Function.prototype)', () => harden(Function.prototype)],
]) { try { values.push([label + ' returned', thunk()]); note(label + ': returned'); } catch (e) { values.push([label + ' error', e]); note(label + ': ' + msg(e)); } }
const spec = 'node:' + 'fs';
const hookArgs = (label) => function () { values.push([label + ' args', arguments], [label + ' this', this]); return undefined; };
const vms = { imports: [spec], exports: ['x'], execute(env, compartment, resolved) { values.push(['virtual execute env', env], ['virtual execute compartment', compartment], ['virtual execute resolved', resolved]); } };
const makers = [
  ['full options', () => new Compartment({ __options__: true, name: 'child', globals: { leak: 1 }, resolveHook: (s, r) => { values.push(['resolveHook args', [s, r]]); return s; }, importHook: hookArgs('importHook'), importNowHook: (s) => { values.push(['importNowHook args', s]); return s === 'virtual' ? vms : undefined; }, moduleMapHook: hookArgs('moduleMapHook'), __noNamespaceBox__: true })],
  ['legacy three-argument form', () => new Compartment({ leak: 1 }, {}, { resolveHook: (s) => s, importHook: hookArgs('legacy importHook') })],
  ['modules map naming a builtin', () => new Compartment({ __options__: true, modules: { [spec]: { namespace: spec } } })],
];
const children = [];
for (const [label, make] of makers) { try { const c = make(); children.push([label, c]); values.push([label, c]); } catch (e) { values.push([label + ' error', e]); note(label + ': ' + msg(e)); } }
for (const [label, c] of children) {
  for (const [how, thunk] of [
    ['importNow builtin', () => c.importNow(spec)],
    ['importNow virtual', () => c.importNow('virtual')],
    ['import builtin', () => c.import(spec)],
    ['evaluate process', () => c.evaluate('typeof process === "undefined" ? undefined : process')],
    ['evaluate sloppyGlobalsMode', () => c.evaluate('leaked = this; typeof process === "undefined" ? undefined : process', { sloppyGlobalsMode: true })],
    ['evaluate transforms', () => c.evaluate('1', { transforms: [(src) => { values.push(['transform this', this]); return 'typeof process === "undefined" ? undefined : process'; }] })],
    ['evaluate evading options', () => c.evaluate('imp' + 'ort(' + JSON.stringify(spec) + ')', { __evadeHtmlCommentTest__: true, __rejectSomeDirectEvalExpressions__: false })],
  ]) {
    const r = await attempt(label + ' / ' + how, async () => { const v = await thunk(); values.push([label + ' ' + how + ' value', v]); if (v && typeof v === 'object' && (v.readFileSync || v.default)) return pwnFs(v.default && v.default.readFileSync ? v.default : v); if (v && typeof v.getBuiltinModule === 'function') return pwn(v); return undefined; });
    if (r) return r;
  }
  try { values.push([label + ' globalThis', c.globalThis]); } catch (e) {}
}
try { Compartment.prototype.evaluate.call(globalThis, 'process'); } catch (e) { values.push(['brand-check error', e]); note('evaluate on a non-compartment: ' + msg(e)); }
const hit = await climbAll(values);
if (hit) return hit;
return { blocked: tried, untold };
