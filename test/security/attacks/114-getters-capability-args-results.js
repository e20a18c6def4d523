// attack: getters everywhere the membrane might read: accessor paths, options and array elements in arguments, toString/valueOf/toJSON/Symbol.toPrimitive on arguments, inherited options from a prototype, getters planted on capability results and on Object.prototype; any getter the HOST runs climbs its `this` and arguments
// source: vm2 ATTACKS.md Category 3 (getters/setters called by host code); CVE-2023-37903 and CVE-2023-32314 (host code running guest accessors with host values); Endo passStyleOf (accessors are not passable)
// needs: fs
// category: escape
// expect: blocked - the membrane copies own data properties only and refuses accessors without calling them; results are frozen
const ID = '114-getters-capability-args-results';
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
let ran = 0;
const getter = (label, v) => function () { ran++; values.push([label + ' this', this], [label + ' args', arguments]); return v; };
const withGetter = (key, label, v) => Object.defineProperty({}, key, { enumerable: true, get: getter(label, v) });
const arrGetter = Object.defineProperty(['x'], 0, { get: getter('array index getter', 'data.txt') });
const prim = { toString: getter('toString', 'data.txt'), valueOf: getter('valueOf', 'data.txt'), toJSON: getter('toJSON', 'data.txt'), [Symbol.toPrimitive]: getter('toPrimitive', 'data.txt') };
for (const [label, call] of [
  ['options.encoding getter', () => fs.readFile('data.txt', withGetter('encoding', 'encoding getter', 'utf8'))],
  ['mkdir recursive getter', () => fs.mkdir('out/g/h', withGetter('recursive', 'recursive getter', true))],
  ['rm options getter', () => fs.rm('out/g', withGetter('recursive', 'rm getter', true))],
  ['array element getter', () => fs.readFile(arrGetter)],
  ['coercion hooks as path', () => fs.readFile(prim)],
  ['coercion hooks as data', () => fs.writeFile('out/g.txt', prim)],
  ['inherited options', () => fs.readFile('data.txt', Object.create({ encoding: 'utf8' }))],
  ['null-prototype options', () => fs.readFile('data.txt', Object.assign(Object.create(null), { encoding: 'utf8' }))],
  ['Uint8Array with own byteLength getter', () => fs.writeFile('out/g.bin', Object.defineProperty(new Uint8Array(2), 'byteLength', { get: getter('byteLength getter', 1e9) }))],
]) { try { const v = await call(); values.push([label + ' result', v]); note(label + ': accepted'); } catch (e) { values.push([label + ' error', e]); note(label + ': ' + msg(e)); } }
const st = await fs.stat('data.txt');
try { Object.defineProperty(st, 'size', { get: getter('planted size getter', 0) }); note('planted a getter on a result!'); } catch (e) { note('result getter: ' + msg(e)); }
try { Object.defineProperty(Object.prototype, 'encoding', { get: getter('Object.prototype.encoding', 'utf8') }); note('Object.prototype accessor planted!'); } catch (e) { note('Object.prototype accessor: ' + msg(e)); }
try { Object.defineProperty(input, 'exfilBase', { get: getter('input getter', 'x') }); note('input accessor planted!'); } catch (e) { note('input accessor: ' + msg(e)); }
try { await fs.readFile('data.txt', {}); await fs.writeFile('out/after.txt', 'after'); } catch (e) { note('calls after planting: ' + msg(e)); }
note('getters run by anyone: ' + ran);
const hit = await climbAll(values);
if (hit) return hit;
return { blocked: tried, untold, gettersRan: ran };
