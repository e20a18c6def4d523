// attack: try to mutate everything a run shares with the runtime or could share with the next run: console and its methods, the capability objects, methods, results and errors, input, the plugin globals (Date, Math, crypto and their methods), TextEncoder/TextDecoder and their prototypes, HandledPromise, Compartment.prototype, harden/lockdown, and the prototypes of the Node-internal errors TextDecoder/TextEncoder and crypto.getRandomValues throw; report what was mutable
// source: vm2 GHSA-vwrp-x96c-mhwq (prototype pollution surviving across contexts); Endo SES docs ('harden the API surface'); sesame README 'each run gets a fresh Compartment and fresh capability instances, so nothing carries over'
// needs: fs,clock,random
// category: escape
// expect: blocked - everything reachable is frozen; any mutable object found is listed (it would carry over to the next run in a reused sandbox)
const ID = '124-pollute-console-capabilities';
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
const mutable = [];
const probe = (label, obj) => {
  if (obj === null || (typeof obj !== 'object' && typeof obj !== 'function')) return;
  const key = '__sesame_probe_' + ID.slice(0, 3);
  try { obj[key] = 1; if (obj[key] === 1) { mutable.push(label + ' (assign)'); try { delete obj[key]; } catch (e) {} return; } } catch (e) {}
  try { Object.defineProperty(obj, key, { value: 1, configurable: true }); mutable.push(label + ' (define)'); try { delete obj[key]; } catch (e) {} return; } catch (e) {}
  try { const p = Object.getPrototypeOf(obj); Object.setPrototypeOf(obj, p); } catch (e) {}
};
const grab = async (f) => { try { await f(); } catch (e) { return e; } return undefined; };
const g = (n) => (typeof globalThis[n] === 'undefined' ? undefined : globalThis[n]);
const things = [['console', console], ['input', input], ['globalThis (own, expected mutable)', null]];
for (const k of Reflect.ownKeys(console)) things.push(['console.' + String(k), console[k]]);
for (const cap of ['fs', 'clock', 'random', 'Date', 'Math', 'crypto', 'TextEncoder', 'TextDecoder', 'HandledPromise', 'Compartment', 'harden', 'lockdown']) {
  const obj = g(cap);
  if (!obj) continue;
  things.push([cap, obj]);
  if (obj.prototype) things.push([cap + '.prototype', obj.prototype]);
  for (const k of Reflect.ownKeys(obj)) { try { const v = obj[k]; if (typeof v === 'function' || (v && typeof v === 'object')) things.push([cap + '.' + String(k), v]); } catch (e) {} }
}
if (g('fs')) {
  things.push(['stat result', await fs.stat('data.txt')], ['stat isFile', (await fs.stat('data.txt')).isFile], ['readdir result', await fs.readdir('.')], ['capability promise (expected: fresh per call)', null]);
  const ce = await grab(() => fs.readFile('missing')); things.push(['capability error', ce], ['capability error prototype', ce && Object.getPrototypeOf(ce)]);
}
const nodeErrors = [
  ['TextDecoder RangeError', () => new TextDecoder('no-such-label')],
  ['TextEncoder.encodeInto TypeError', () => new TextEncoder().encodeInto('x', 5)],
  ['TextDecoder.decode brand check', () => TextDecoder.prototype.decode.call({})],
  ['TextDecoder options type', () => new TextDecoder('utf-8', 5)],
  ['TextDecoder fatal', () => new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xff]))],
];
if (g('crypto')) {
  let n = 0;
  const lying = Object.defineProperty(new Uint8Array(8), 'byteLength', { get() { n++; return n === 1 ? 8 : 1 << 20; } });
  nodeErrors.push(['crypto.getRandomValues quota (byteLength read twice)', () => crypto.getRandomValues(lying)]);
}
for (const [label, f] of nodeErrors) {
  const e = await grab(f);
  if (!e) continue;
  let p = Object.getPrototypeOf(e);
  for (let depth = 0; p && depth < 3; depth++, p = Object.getPrototypeOf(p)) { things.push([label + ' proto' + depth, p]); if (p.constructor) things.push([label + ' proto' + depth + '.constructor', p.constructor]); }
}
for (const [label, obj] of things) probe(label, obj);
out.push({ label: 'objects tried', ok: true, value: things.length });
return { blocked: out, mutable };
