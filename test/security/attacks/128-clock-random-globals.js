// attack: the globals the clock and random plugins install are host objects: the frozen-time Date function (called, constructed, with a Proxy argument), Date.now/parse/UTC, the start compartment's Math with random, and crypto.getRandomValues fed typed arrays whose own byteLength/buffer/byteOffset are lying getters (read twice: a size check then an allocation), a DataView, a Proxy, a subclass; climb every value, getter argument and error (including the DOMException node:crypto throws)
// source: Endo SES docs (the start compartment keeps powerful Date and Math); TOCTOU double-fetch (CWE-367) on guest-controlled typed-array properties; vm2 ATTACKS.md Category 3 (host code reading guest accessors)
// needs: clock,random
// category: escape
// expect: blocked - host functions share the tamed Function.prototype; lying properties only change what the guest's own buffer receives
const ID = '128-clock-random-globals';
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
const values = [['Date', Date], ['Math', Math], ['Math.random', Math.random]];
for (const k of ['now', 'parse', 'UTC']) values.push(['Date.' + k, Date[k]]);
try { values.push(['Date()', Object(Date())], ['new Date()', new Date()], ['new Date(0)', new Date(0)]); } catch (e) { note('Date: ' + msg(e)); }
try { new Date(new Proxy({}, { get(t, k, r) { values.push(['Date arg proxy get ' + String(k), r]); return Reflect.get(t, k, r); } })); } catch (e) { values.push(['Date proxy error', e]); }
try { Reflect.construct(Date, [], function Other() {}); } catch (e) { values.push(['Date newTarget error', e]); }
try { values.push(['Date.now()', Object(Date.now())]); note('Date.now(): ' + Date.now()); } catch (e) { note('Date.now: ' + msg(e)); }
if (typeof crypto === 'object' && crypto) {
  values.push(['crypto', crypto]);
  for (const k of Reflect.ownKeys(crypto)) values.push(['crypto.' + String(k), crypto[k]]);
  const watch = (label, fn) => function () { values.push([label + ' this', this], [label + ' args', arguments]); return fn.apply(this, arguments); };
  const cases = [];
  let reads = 0;
  cases.push(['byteLength read twice', Object.defineProperty(new Uint8Array(8), 'byteLength', { get: watch('byteLength getter', () => (++reads === 1 ? 8 : 1 << 24)) })]);
  cases.push(['negative byteLength', Object.defineProperty(new Uint8Array(8), 'byteLength', { get: () => -1 })]);
  const other = new ArrayBuffer(64);
  cases.push(['buffer getter', Object.defineProperty(new Uint8Array(8), 'buffer', { get: watch('buffer getter', () => other) })]);
  cases.push(['buffer is a plain object', Object.defineProperty(new Uint8Array(8), 'buffer', { value: { length: 8, 0: 1 } })]);
  cases.push(['byteOffset past the end', Object.defineProperty(new Uint8Array(8), 'byteOffset', { value: 1e6 })]);
  cases.push(['DataView', new DataView(new ArrayBuffer(8))]);
  cases.push(['Proxy of Uint8Array', new Proxy(new Uint8Array(8), {})]);
  cases.push(['subclass', new (class extends Uint8Array {})(8)]);
  if (typeof Float64Array === 'function') cases.push(['Float64Array', new Float64Array(2)]); else note('Float64Array: absent in the compartment');
  for (const [label, arr] of cases) {
    try { const r = crypto.getRandomValues(arr); values.push([label + ' returned', r]); note(label + ': filled'); } catch (e) { values.push([label + ' error', e]); note(label + ': ' + msg(e)); try { values.push([label + ' error prototype', Object.getPrototypeOf(e)], [label + ' error constructor', e.constructor]); } catch (x) {} }
  }
  try { note('randomUUID: ' + crypto.randomUUID().length); } catch (e) { note('randomUUID: ' + msg(e)); }
}
for (const [label, obj] of [['Date.prototype', Date.prototype], ['Math', Math], ['crypto', typeof crypto === 'object' ? crypto : null]]) {
  try { obj.polluted = 1; note(label + ': mutable!'); } catch (e) { note(label + ': ' + msg(e)); }
}
const hit = await climbAll(values);
if (hit) return hit;
return { blocked: tried, untold };
