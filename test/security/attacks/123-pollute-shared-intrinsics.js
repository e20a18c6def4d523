// attack: pollute the shared intrinsics the fs plugin and the membrane themselves use (String.prototype.startsWith/split/slice, Array.prototype.join/push/includes, RegExp.prototype.exec/test, Object.freeze, Reflect.ownKeys, JSON.stringify, Symbol.hasInstance on Error, Promise.prototype.then, Function.prototype.call/apply, Object.prototype setters) by assignment, defineProperty, __defineGetter__ and setPrototypeOf; then retry path traversal and out-of-glob writes in case a host check now answers differently
// source: vm2 GHSA-vwrp-x96c-mhwq and ATTACKS.md Category 2 (host intrinsic prototype pollution); CVE-2022-25893 class of prototype-pollution-to-check-bypass; Endo SES lockdown docs (intrinsics frozen)
// needs: fs
// category: escape
// expect: blocked - every shared intrinsic is frozen (TypeError); the fs checks answer as before (E_DENIED)
const ID = '123-pollute-shared-intrinsics';
const UP = '../'.repeat(16);
const msg = (e) => { try { return String((e && e.message) || e).slice(0, 160); } catch (_) { return 'unprintable'; } };
const shown = (v) => {
  if (typeof v === 'string') return v.slice(0, 200);
  if (v === undefined) return null;
  if (ArrayBuffer.isView(v)) return '<' + v.byteLength + ' bytes>';
  if (Array.isArray(v) && v.length > 40) v = v.slice(0, 40).concat(['... ' + (v.length - 40) + ' more']);
  try { return JSON.parse(JSON.stringify(v, (k, x) => (typeof x === 'string' ? x.slice(0, 200) : x))) ?? null; } catch (e) { return typeof v; }
};
const out = [];
const attempt = async (label, thunk) => {
  try { const v = await thunk(); if (out.length < 120) out.push({ label, ok: true, value: shown(v) }); return v; }
  catch (e) { if (out.length < 120) out.push({ label, ok: false, error: msg(e) }); return undefined; }
};
const exfil = (p) => 'http://127.0.0.1:' + input.exfilPort + '/' + ID + (p || '');
const allowed = (p) => 'http://127.0.0.1:' + input.allowedPort + '/allowed/' + (p || '');
const show = async (r) => ({ status: r.status, body: String(await r.text()).slice(0, 200) });
const polluted = [];
const tryIt = (label, f) => { try { f(); polluted.push(label); } catch (e) { out.push({ label: 'pollute ' + label, ok: false, error: msg(e) }); } };
const yes = () => true;
const targets = [
  ['String.prototype.startsWith', () => { String.prototype.startsWith = yes; }],
  ['String.prototype.split', () => { String.prototype.split = function () { return ['out', 'x']; }; }],
  ['String.prototype.slice', () => Object.defineProperty(String.prototype, 'slice', { value: () => 'out/x' })],
  ['String.prototype.includes', () => { String.prototype.includes = () => false; }],
  ['Array.prototype.join', () => { Array.prototype.join = () => 'out/x'; }],
  ['Array.prototype.push', () => { Array.prototype.push = () => 0; }],
  ['Array.prototype.includes', () => { Array.prototype.includes = yes; }],
  ['Array.prototype.find', () => { Array.prototype.find = () => ({ glob: '**', test: yes, root: true }); }],
  ['RegExp.prototype.exec', () => { RegExp.prototype.exec = () => ['x']; }],
  ['RegExp.prototype.test', () => { RegExp.prototype.test = yes; }],
  ['Object.freeze', () => { Object.freeze = (x) => x; }],
  ['Reflect.ownKeys', () => { Reflect.ownKeys = () => []; }],
  ['JSON.stringify', () => { JSON.stringify = () => '{}'; }],
  ['Error[Symbol.hasInstance]', () => Object.defineProperty(Error, Symbol.hasInstance, { value: yes })],
  ['Function.prototype[Symbol.hasInstance]', () => Object.defineProperty(Function.prototype, Symbol.hasInstance, { value: yes })],
  ['Promise.prototype.then', () => { Promise.prototype.then = function () { return this; }; }],
  ['Function.prototype.call', () => { Function.prototype.call = function () { return true; }; }],
  ['Object.prototype setter', () => Object.prototype.__defineSetter__('allow', function () {})],
  ['Object.prototype.allow', () => { Object.prototype.allow = true; }],
  ['Object.prototype.rule', () => { ({}).__proto__.rule = 'write: **'; }],
  ['setPrototypeOf(Array.prototype)', () => Object.setPrototypeOf(Array.prototype, { join: () => 'out/x' })],
  ['Symbol.iterator of Array.prototype', () => { Array.prototype[Symbol.iterator] = function* () {}; }],
];
for (const [label, f] of targets) tryIt(label, f);
out.push({ label: 'pollutions that took', ok: polluted.length === 0, value: polluted });
await attempt('traversal read after pollution', () => fs.readFile(UP + 'tmp/sesame-secret/secret.txt', 'utf8'));
await attempt('symlink read after pollution', () => fs.readFile('link-secret.txt', 'utf8'));
await attempt('write canary after pollution', () => fs.writeFile('out/' + UP + 'tmp/sesame-canary/' + ID, 'x'));
await attempt('write data.txt after pollution', () => fs.writeFile('data.txt', 'polluted'));
await attempt('write via link-slash after pollution', () => fs.writeFile('link-slash/tmp/sesame-canary/' + ID, 'x'));
await attempt('rm sub after pollution', () => fs.rm('sub', { recursive: true }));
return { blocked: out };
